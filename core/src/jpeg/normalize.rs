//! Normalisation of frames RFC 2435 cannot carry as they are.
