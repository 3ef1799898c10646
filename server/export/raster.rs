//! SVG pictures as PNG, for the Word export. Text is set in DejaVu Sans, built into the binary
//! (`assets/fonts/`, licence beside it), which also stands in for the generic `sans-serif`.
//! Carlito (also built in, licence beside it) measures text for the Word tables' column widths
//! ([`text_width`]): the documents are set in Calibri, and Carlito has Calibri's metrics (every
//! character as wide), so a width that holds a word in one holds it in the other — in Word
//! with Calibri and in LibreOffice with Carlito alike.

use std::sync::{Arc, LazyLock};

use anyhow::Context;
use resvg::{tiny_skia, usvg};

/// DejaVu Sans, regular and bold.
const FONTS: [&[u8]; 2] = [
    include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
    include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf"),
];

/// The font database every rendering shares, loaded once.
static FONT_DB: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut db = usvg::fontdb::Database::new();
    for font in FONTS {
        db.load_font_source(usvg::fontdb::Source::Binary(Arc::new(font)));
    }
    db.set_sans_serif_family("DejaVu Sans");
    Arc::new(db)
});

/// A rendered picture.
pub(crate) struct Png {
    /// The PNG file.
    pub bytes: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Renders `svg` at `scale` times its own size (2.0 prints sharply at the size it is shown).
pub(crate) fn png(svg: &str, scale: f32) -> anyhow::Result<Png> {
    let options = usvg::Options {
        font_family: "DejaVu Sans".to_owned(),
        fontdb: FONT_DB.clone(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).context("reading a picture")?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .context("scaling a picture")?;
    let mut pixmap =
        tiny_skia::Pixmap::new(size.width(), size.height()).context("allocating a picture")?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    let bytes = pixmap.encode_png().context("encoding a picture")?;
    Ok(Png {
        bytes,
        width: size.width(),
        height: size.height(),
    })
}

/// Carlito, regular and bold: Calibri's metrics, for measuring only.
const CARLITO: [&[u8]; 2] = [
    include_bytes!("../../assets/fonts/Carlito-Regular.ttf"),
    include_bytes!("../../assets/fonts/Carlito-Bold.ttf"),
];

/// How wide `text` is on one line, in points, set in Calibri (Carlito; bold or regular) at
/// `size` points: the sum of the characters' advances, without kerning (which only narrows).
/// A character the font lacks counts as wide as an `M`.
pub(crate) fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    use skrifa::MetadataProvider;
    use skrifa::instance::{LocationRef, Size};

    let Ok(font) = skrifa::FontRef::new(CARLITO[usize::from(bold)]) else {
        return 0.0;
    };
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    let advance = |c: char| {
        charmap
            .map(c)
            .and_then(|glyph| metrics.advance_width(glyph))
    };
    let wide = advance('M').unwrap_or(size);
    text.chars().map(|c| advance(c).unwrap_or(wide)).sum()
}
