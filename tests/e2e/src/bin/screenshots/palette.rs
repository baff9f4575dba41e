//! A browser screenshot re-encoded as a 256-colour palette PNG: a page is flat colours and
//! anti-aliased text, so the 256 most used colours (each other colour drawn as the nearest
//! of them) look the same at a third of the size or less.

use std::collections::HashMap;

const COLOURS: usize = 256;

type Rgb = [u8; 3];

/// The screenshot `png` (RGB or RGBA, 8 bits) as an indexed PNG.
pub fn shrink(png: &[u8]) -> Vec<u8> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().expect("a PNG from the browser");
    let mut buffer = vec![0; reader.output_buffer_size().expect("a PNG of sane size")];
    let frame = reader.next_frame(&mut buffer).expect("PNG pixels");
    let step = match frame.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("a screenshot in {other:?}"),
    };
    let pixels: Vec<Rgb> = buffer[..frame.buffer_size()]
        .chunks_exact(step)
        .map(|p| [p[0], p[1], p[2]])
        .collect();

    let mut uses: HashMap<Rgb, usize> = HashMap::new();
    for p in &pixels {
        *uses.entry(*p).or_default() += 1;
    }
    let mut by_use: Vec<(Rgb, usize)> = uses.into_iter().collect();
    by_use.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let palette: Vec<Rgb> = by_use.iter().take(COLOURS).map(|(c, _)| *c).collect();

    let mut index: HashMap<Rgb, u8> = HashMap::new();
    for (i, c) in palette.iter().enumerate() {
        index.insert(*c, i as u8);
    }
    let nearest = |c: &Rgb| -> u8 {
        let distance = |p: &Rgb| -> u32 {
            (0..3)
                .map(|k| (i32::from(p[k]) - i32::from(c[k])).pow(2) as u32)
                .sum()
        };
        (0..palette.len())
            .min_by_key(|&i| distance(&palette[i]))
            .unwrap() as u8
    };
    let indexed: Vec<u8> = pixels
        .iter()
        .map(|c| *index.entry(*c).or_insert_with(|| nearest(c)))
        .collect();

    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, frame.width, frame.height);
    encoder.set_color(png::ColorType::Indexed);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_palette(palette.concat());
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(&indexed).unwrap();
    writer.finish().unwrap();
    out
}
