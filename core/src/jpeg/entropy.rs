//! Baseline Huffman entropy decoding to DCT coefficients and re-encoding.
