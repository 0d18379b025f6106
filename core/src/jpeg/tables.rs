//! Standard JPEG tables: ITU-T T.81 Annex K, as RFC 2435 assumes them.
//!
//! RFC 2435 never sends Huffman tables: a receiver rebuilds the "typical"
//! tables of T.81 K.3 (listed again in RFC 2435 Appendix B), so a sender may
//! only send entropy data coded with exactly these. For Q values 1..=99 the
//! receiver also rebuilds the quantization tables from K.1/K.2 scaled by the
//! IJG quality formula (RFC 2435 Section 4.2 and Appendix A).

/// `ZIGZAG[k]` is the natural (row-major) index of the `k`-th coefficient in
/// zig-zag order (T.81 Figure A.6). DQT segments and RFC 2435 quantization
/// table headers store tables in zig-zag order.
pub const ZIGZAG: [u8; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// T.81 Table K.1, luminance quantization table, natural order.
pub const LUMA_QUANT_NATURAL: [u8; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, //
    12, 12, 14, 19, 26, 58, 60, 55, //
    14, 13, 16, 24, 40, 57, 69, 56, //
    14, 17, 22, 29, 51, 87, 80, 62, //
    18, 22, 37, 56, 68, 109, 103, 77, //
    24, 35, 55, 64, 81, 104, 113, 92, //
    49, 64, 78, 87, 103, 121, 120, 101, //
    72, 92, 95, 98, 112, 100, 103, 99,
];

/// T.81 Table K.2, chrominance quantization table, natural order.
pub const CHROMA_QUANT_NATURAL: [u8; 64] = [
    17, 18, 24, 47, 99, 99, 99, 99, //
    18, 21, 26, 66, 99, 99, 99, 99, //
    24, 26, 56, 99, 99, 99, 99, 99, //
    47, 66, 99, 99, 99, 99, 99, 99, //
    99, 99, 99, 99, 99, 99, 99, 99, //
    99, 99, 99, 99, 99, 99, 99, 99, //
    99, 99, 99, 99, 99, 99, 99, 99, //
    99, 99, 99, 99, 99, 99, 99, 99,
];

/// A Huffman table as DHT carries it: code counts per length 1..=16 and the
/// symbols in code order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StandardHuffman {
    /// Number of codes of each length 1..=16.
    pub counts: [u8; 16],
    /// Symbols in order of increasing code length.
    pub values: &'static [u8],
}

/// T.81 K.3.3.1, Table K.3: luminance DC differences.
pub const LUMA_DC: StandardHuffman = StandardHuffman {
    counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
    values: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};

/// T.81 K.3.3.1, Table K.4: chrominance DC differences.
pub const CHROMA_DC: StandardHuffman = StandardHuffman {
    counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
    values: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
};

/// T.81 K.3.3.2, Table K.5: luminance AC coefficients.
pub const LUMA_AC: StandardHuffman = StandardHuffman {
    counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
    values: &LUMA_AC_VALUES,
};

/// T.81 K.3.3.2, Table K.6: chrominance AC coefficients.
pub const CHROMA_AC: StandardHuffman = StandardHuffman {
    counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
    values: &CHROMA_AC_VALUES,
};

#[rustfmt::skip]
const LUMA_AC_VALUES: [u8; 162] = [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06,
    0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08,
    0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72,
    0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45,
    0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
    0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75,
    0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
    0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3,
    0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6,
    0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9,
    0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4,
    0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
];

#[rustfmt::skip]
const CHROMA_AC_VALUES: [u8; 162] = [
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41,
    0x51, 0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91,
    0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15, 0x62, 0x72, 0xd1,
    0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
    0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44,
    0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58,
    0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74,
    0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
    0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a,
    0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4,
    0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
    0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
    0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4,
    0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa,
];

impl StandardHuffman {
    /// Whether a DHT table from an image is this table.
    pub fn matches(&self, counts: &[u8; 16], values: &[u8]) -> bool {
        &self.counts == counts && self.values == values
    }
}

/// Converts a table from natural to zig-zag order.
pub fn natural_to_zigzag<T: Copy + Default>(natural: &[T; 64]) -> [T; 64] {
    let mut out = [T::default(); 64];
    for (k, &n) in ZIGZAG.iter().enumerate() {
        out[k] = natural[usize::from(n)];
    }
    out
}

/// Converts a table from zig-zag to natural order.
pub fn zigzag_to_natural<T: Copy + Default>(zigzag: &[T; 64]) -> [T; 64] {
    let mut out = [T::default(); 64];
    for (k, &n) in ZIGZAG.iter().enumerate() {
        out[usize::from(n)] = zigzag[k];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_counts_match_code_counts() {
        for t in [LUMA_DC, CHROMA_DC, LUMA_AC, CHROMA_AC] {
            let n: usize = t.counts.iter().map(|&c| usize::from(c)).sum();
            assert_eq!(n, t.values.len());
        }
    }

    #[test]
    fn zigzag_is_a_permutation_and_round_trips() {
        let mut seen = [false; 64];
        for &z in &ZIGZAG {
            assert!(!seen[usize::from(z)]);
            seen[usize::from(z)] = true;
        }
        let zz = natural_to_zigzag(&LUMA_QUANT_NATURAL);
        // RFC 2435 Appendix A lists the luma table in zig-zag order; its start:
        assert_eq!(zz[..8], [16, 11, 12, 14, 12, 10, 16, 14]);
        assert_eq!(zigzag_to_natural(&zz), LUMA_QUANT_NATURAL);
    }
}
