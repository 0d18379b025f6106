//! PSNR, for every crate's tests that compare decoded pictures (the
//! runtimes' interop suite and the viewer's tests include this file by path).
#![allow(dead_code, unreachable_pub)]

/// Peak signal-to-noise ratio of two same-sized 8-bit images in dB
/// (infinite when identical).
pub fn psnr(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len(), "images of different sizes");
    let se: f64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
        .sum();
    if se == 0.0 {
        return f64::INFINITY;
    }
    10.0 * (255.0f64 * 255.0 * a.len() as f64 / se).log10()
}
