//! QR codes drawn as small 8-bit grayscale PNG images, for authenticator apps to scan.

use qrcode::{Color, QrCode};

use super::AuthError;

/// Pixels per module.
const SCALE: usize = 4;
/// Light modules around the symbol, as the QR standard asks.
const QUIET_ZONE: usize = 4;

/// The QR code of `text` as a PNG image.
pub fn to_png(text: &str) -> Result<Vec<u8>, AuthError> {
    let code = QrCode::new(text.as_bytes()).map_err(|e| AuthError::QrCode(e.to_string()))?;
    let (modules, colors) = (code.width(), code.to_colors());
    let side = (modules + 2 * QUIET_ZONE) * SCALE;
    let dark = |x: usize, y: usize| {
        let (x, y) = (x.checked_sub(QUIET_ZONE), y.checked_sub(QUIET_ZONE));
        let index = x.zip(y).filter(|&(x, y)| x < modules && y < modules).map(|(x, y)| y * modules + x);
        index.and_then(|i| colors.get(i)) == Some(&Color::Dark)
    };
    let pixels: Vec<u8> =
        (0..side * side).map(|i| if dark(i % side / SCALE, i / side / SCALE) { 0 } else { 255 }).collect();
    encode(&pixels, side)
}

/// Encodes square grayscale pixels (one byte each, row by row) as a PNG.
fn encode(pixels: &[u8], side: usize) -> Result<Vec<u8>, AuthError> {
    let failed = |e: &dyn std::fmt::Display| AuthError::QrCode(e.to_string());
    let side = u32::try_from(side).map_err(|e| failed(&e))?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| failed(&e))?;
    writer.write_image_data(pixels).map_err(|e| failed(&e))?;
    writer.finish().map_err(|e| failed(&e))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_png_decodes_to_a_square_with_a_quiet_zone_and_a_dark_finder_corner() {
        let bytes = to_png("otpauth://totp/Plinth:alice?secret=ABC").unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut pixels).unwrap();
        assert_eq!(
            (frame.width, frame.color_type, frame.bit_depth),
            (frame.height, png::ColorType::Grayscale, png::BitDepth::Eight)
        );
        let side = frame.width as usize;
        let at = |x: usize, y: usize| pixels[y * side + x];
        let corner = QUIET_ZONE * SCALE;
        assert_eq!(at(0, 0), 255, "quiet zone");
        assert_eq!(at(corner, corner), 0, "finder pattern");
        assert_eq!(at(side - 1, side - 1), 255);
    }
}
