//! What a records system (ESDH) reads from a Word file that docx-rs 0.4 cannot write: header
//! rows that repeat on every page a table spans (`w:tblHeader`), the core properties (title,
//! subject, creator, when it was made, language), the document's default language in its
//! styles, the font table's fallback for Calibri, and Carlito embedded in the file (so a
//! reader with neither Calibri nor Carlito — a records system's preview on a bare LibreOffice —
//! sets the text in Calibri's metrics and breaks no word; Word, which has Calibri, uses
//! Calibri). Each function takes a part of the package as docx-rs wrote it and returns it
//! amended, before the package is zipped; [`add_fonts`] then adds the font parts to the zip.

use std::fmt::Write;

use super::xml::escape;
use crate::dates::{Date, MS_PER_DAY};

/// What the core properties say.
pub(crate) struct Properties<'a> {
    /// The document's title.
    pub title: &'a str,
    /// What it is about, in a line.
    pub subject: &'a str,
    /// The language tag, `da-DK` or `en-GB`.
    pub language: &'a str,
    /// When the file was made, in milliseconds since the Unix epoch.
    pub made_ms: i64,
}

/// The language tag of a document in `lang` (`"da"` or `"en"`).
pub(crate) fn language_tag(lang: &str) -> &'static str {
    if lang == "en" { "en-GB" } else { "da-DK" }
}

/// `document.xml` with the first row of every table marked as its header row, which Word and
/// LibreOffice repeat at the top of each page the table continues on. docx-rs writes each of
/// our rows as `<w:tr><w:trPr><w:cantSplit />…`; tables are never nested in our documents.
pub(crate) fn repeat_header_rows(document: &[u8]) -> Vec<u8> {
    const TABLE: &str = "<w:tbl>";
    const ROW: &str = "<w:tr><w:trPr>";
    let xml = String::from_utf8_lossy(document);
    let mut out = String::with_capacity(xml.len() + 64);
    let mut rest: &str = &xml;
    while let Some(at) = rest.find(TABLE) {
        let after = at + TABLE.len();
        out.push_str(&rest[..after]);
        rest = &rest[after..];
        if let Some(row) = rest.find(ROW) {
            let end = row + ROW.len();
            out.push_str(&rest[..end]);
            out.push_str("<w:tblHeader />");
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out.into_bytes()
}

/// `docProps/core.xml` for `properties`; the creator is trivsel.
pub(crate) fn core_properties(properties: &Properties<'_>) -> Vec<u8> {
    let made = w3cdtf(properties.made_ms);
    let mut out = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
    );
    let _ = write!(
        out,
        "<dc:title>{}</dc:title><dc:subject>{}</dc:subject><dc:creator>trivsel</dc:creator>\
         <cp:lastModifiedBy>trivsel</cp:lastModifiedBy><cp:revision>1</cp:revision>\
         <dcterms:created xsi:type=\"dcterms:W3CDTF\">{made}</dcterms:created>\
         <dcterms:modified xsi:type=\"dcterms:W3CDTF\">{made}</dcterms:modified>\
         <dc:language>{}</dc:language></cp:coreProperties>",
        escape(properties.title),
        escape(properties.subject),
        escape(properties.language),
    );
    out.into_bytes()
}

/// `styles.xml` with `language` as the default language of all text (spelling, hyphenation).
pub(crate) fn with_language(styles: &[u8], language: &str) -> Vec<u8> {
    const DEFAULTS: &str = "</w:rPr></w:rPrDefault>";
    let xml = String::from_utf8_lossy(styles);
    let lang = format!(
        r#"<w:lang w:val="{0}" w:eastAsia="{0}" w:bidi="{0}" />"#,
        escape(language)
    );
    xml.replacen(DEFAULTS, &format!("{lang}{DEFAULTS}"), 1)
        .into_bytes()
}

/// `fontTable.xml` with Calibri described as a sans-serif with Carlito (its metric twin, which
/// LibreOffice uses where Calibri is not installed) as its other name.
pub(crate) fn with_calibri(font_table: &[u8]) -> Vec<u8> {
    const END: &str = "</w:fonts>";
    const CALIBRI: &str = r#"<w:font w:name="Calibri"><w:altName w:val="Carlito" /><w:panose1 w:val="020F0502020204030204" /><w:charset w:val="00" /><w:family w:val="swiss" /><w:pitch w:val="variable" /></w:font>"#;
    let xml = String::from_utf8_lossy(font_table);
    xml.replacen(END, &format!("{CALIBRI}{END}"), 1)
        .into_bytes()
}

/// Carlito (OFL; licence in `assets/fonts/`), regular and bold, embedded in every Word file:
/// the attribute that names the weight in the font table, the font, and the key that obfuscates
/// it as ECMA-376 requires of an embedded font (fixed, so a file is the same each time it is
/// made; obfuscation protects nothing).
const EMBEDDED: [(&str, &[u8], &str); 2] = [
    (
        "embedRegular",
        include_bytes!("../../assets/fonts/Carlito-Regular.ttf"),
        "{6C1F2A4E-0B7D-4E59-9C3A-1D8E5F702B11}",
    ),
    (
        "embedBold",
        include_bytes!("../../assets/fonts/Carlito-Bold.ttf"),
        "{B3E7D905-4A2C-4F16-8E0B-7C95A1D4E362}",
    ),
];

/// `fontTable.xml` with Carlito's embedded regular and bold faces (`word/fonts/carlito-*.odttf`,
/// related as `rIdCarlito1` and `rIdCarlito2` by [`FONT_RELS`]).
pub(crate) fn with_embedded_carlito(font_table: &[u8]) -> Vec<u8> {
    const END: &str = "</w:fonts>";
    let mut font = String::from(r#"<w:font w:name="Carlito">"#);
    for (n, (attribute, _, key)) in EMBEDDED.iter().enumerate() {
        let _ = write!(
            font,
            r#"<w:{attribute} r:id="rIdCarlito{}" w:fontKey="{key}" />"#,
            n + 1
        );
    }
    font.push_str("</w:font>");
    let xml = String::from_utf8_lossy(font_table);
    xml.replacen(END, &format!("{font}{END}"), 1).into_bytes()
}

/// `settings.xml` saying the file carries its fonts (`w:embedTrueTypeFonts`). The schema
/// orders the settings (`CT_Settings`): the zoom, then this, then the default tab stop and the
/// rest; docx-rs writes the tab stop before the zoom, so the zoom moves to the front with it.
pub(crate) fn embedding_fonts(settings: &[u8]) -> Vec<u8> {
    let mut xml = String::from_utf8_lossy(settings).into_owned();
    let zoom = xml.find("<w:zoom ").and_then(|at| {
        let end = at + xml[at..].find("/>")? + 2;
        Some(xml.drain(at..end).collect::<String>())
    });
    match xml
        .find("<w:settings")
        .and_then(|at| xml[at..].find('>').map(|end| at + end + 1))
    {
        Some(open) => format!(
            "{}{}<w:embedTrueTypeFonts />{}",
            &xml[..open],
            zoom.unwrap_or_default(),
            &xml[open..]
        ),
        None => xml,
    }
    .into_bytes()
}

/// `[Content_Types].xml` with the type of an embedded (obfuscated) font.
pub(crate) fn with_font_type(content_types: &[u8]) -> Vec<u8> {
    const END: &str = "</Types>";
    const FONT: &str = r#"<Default Extension="odttf" ContentType="application/vnd.openxmlformats-officedocument.obfuscatedFont" />"#;
    let xml = String::from_utf8_lossy(content_types);
    xml.replacen(END, &format!("{FONT}{END}"), 1).into_bytes()
}

/// The font table's relationships to the embedded faces.
const FONT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdCarlito1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/font" Target="fonts/carlito-regular.odttf" /><Relationship Id="rIdCarlito2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/font" Target="fonts/carlito-bold.odttf" /></Relationships>"#;

/// `font` as ECMA-376 stores an embedded font (part 1, 17.8.1): its first 32 bytes XOR the 16
/// bytes of `key` (a GUID) taken from its last hex pair to its first.
fn obfuscate(font: &[u8], key: &str) -> Vec<u8> {
    let hex: Vec<u8> = key
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .map(|b| (b as char).to_digit(16).unwrap_or(0) as u8)
        .collect();
    let bytes: Vec<u8> = hex.chunks(2).map(|pair| pair[0] << 4 | pair[1]).collect();
    let key: Vec<u8> = bytes.iter().rev().copied().collect();
    let mut out = font.to_vec();
    for (i, byte) in out.iter_mut().take(32).enumerate() {
        *byte ^= key[i % key.len().max(1)];
    }
    out
}

/// The zipped package `docx` with the embedded fonts' parts added: the font table's
/// relationships and the obfuscated faces (deflated, at the zip's epoch time, so a file is the
/// same each time it is made).
pub(crate) fn add_fonts(docx: Vec<u8>) -> anyhow::Result<Vec<u8>> {
    use std::io::Write as _;
    let mut zip = zip::ZipWriter::new_append(std::io::Cursor::new(docx))?;
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    zip.start_file("word/_rels/fontTable.xml.rels", options)?;
    zip.write_all(FONT_RELS.as_bytes())?;
    for (name, (_, font, key)) in ["carlito-regular", "carlito-bold"].iter().zip(EMBEDDED) {
        zip.start_file(format!("word/fonts/{name}.odttf"), options)?;
        zip.write_all(&obfuscate(font, key))?;
    }
    Ok(zip.finish()?.into_inner())
}

/// A moment as W3CDTF in UTC, to the second: `2027-01-12T08:30:00Z`.
pub(crate) fn w3cdtf(ms: i64) -> String {
    let Date { year, month, day } = Date::from_ms(ms);
    let secs = ms.rem_euclid(MS_PER_DAY) / 1000;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carlito_is_embedded_obfuscated_as_ecma_376_says() {
        let (_, font, key) = EMBEDDED[0];
        let hidden = obfuscate(font, key);
        assert_ne!(hidden[..32], font[..32], "the first 32 bytes are hidden");
        assert_eq!(hidden[32..], font[32..], "the rest is the font");
        assert_eq!(obfuscate(&hidden, key), font, "the same key undoes it");
        // The key's bytes from its last hex pair to its first: "…702B11}" starts with 0x11.
        assert_eq!(hidden[0], font[0] ^ 0x11);
        assert_eq!(hidden[1], font[1] ^ 0x2B);
        assert_eq!(hidden[16], font[16] ^ 0x11, "the key twice over 32 bytes");
        let table = String::from_utf8(with_embedded_carlito(
            br#"<w:fonts xmlns:r="r"><w:font w:name="Arial" /></w:fonts>"#,
        ))
        .unwrap();
        assert!(table.ends_with(&format!(
            r#"<w:font w:name="Carlito"><w:embedRegular r:id="rIdCarlito1" w:fontKey="{key}" /><w:embedBold r:id="rIdCarlito2" w:fontKey="{}" /></w:font></w:fonts>"#,
            EMBEDDED[1].2
        )));
        // In the schema's order: the zoom, the fonts, the tab stop.
        let settings = String::from_utf8(embedding_fonts(
            br#"<?xml version="1.0"?><w:settings xmlns:w="w"><w:defaultTabStop w:val="709" /><w:zoom w:percent="100" /><w:compat /></w:settings>"#,
        ))
        .unwrap();
        assert!(
            settings.contains(
                r#"<w:settings xmlns:w="w"><w:zoom w:percent="100" /><w:embedTrueTypeFonts /><w:defaultTabStop w:val="709" /><w:compat /></w:settings>"#
            ),
            "{settings}"
        );
        let types = String::from_utf8(with_font_type(b"<Types></Types>")).unwrap();
        assert!(types.contains(r#"Extension="odttf" ContentType="application/vnd.openxmlformats-officedocument.obfuscatedFont""#));
    }

    #[test]
    fn the_first_row_of_each_table_repeats_and_no_other() {
        let row = "<w:tr><w:trPr><w:cantSplit /></w:trPr><w:tc /></w:tr>";
        let table = format!("<w:tbl><w:tblPr /><w:tblGrid />{row}{row}{row}</w:tbl>");
        let document = format!("<w:body><w:p />{table}<w:p />{table}</w:body>");
        let out = String::from_utf8(repeat_header_rows(document.as_bytes())).unwrap();
        assert_eq!(out.matches("<w:tblHeader />").count(), 2);
        let header = "<w:tr><w:trPr><w:tblHeader /><w:cantSplit /></w:trPr>";
        for table in out.split("<w:tbl>").skip(1) {
            assert!(table.starts_with("<w:tblPr /><w:tblGrid />"), "{table}");
            assert_eq!(table.find("<w:tr>"), table.find(header), "{table}");
        }
        assert_eq!(
            out.replace("<w:tblHeader />", ""),
            document,
            "nothing else changes"
        );
    }

    #[test]
    fn the_core_properties_say_what_a_records_system_shows() {
        let core = core_properties(&Properties {
            title: "Del 2 — Trivsel & ledelse",
            subject: "Dato: 12. januar 2027",
            language: "da-DK",
            made_ms: 1_799_742_645_000,
        });
        let core = String::from_utf8(core).unwrap();
        for part in [
            "<dc:title>Del 2 — Trivsel &amp; ledelse</dc:title>",
            "<dc:subject>Dato: 12. januar 2027</dc:subject>",
            "<dc:creator>trivsel</dc:creator>",
            r#"<dcterms:created xsi:type="dcterms:W3CDTF">2027-01-12T08:30:45Z</dcterms:created>"#,
            r#"<dcterms:modified xsi:type="dcterms:W3CDTF">2027-01-12T08:30:45Z</dcterms:modified>"#,
            "<dc:language>da-DK</dc:language>",
        ] {
            assert!(core.contains(part), "{part} in {core}");
        }
        assert_eq!(w3cdtf(0), "1970-01-01T00:00:00Z");
        assert_eq!(language_tag("en"), "en-GB");
        assert_eq!(language_tag("da"), "da-DK");
    }

    #[test]
    fn the_default_language_and_calibri_s_fallback_are_added_once() {
        let styles = "<w:docDefaults><w:rPrDefault><w:rPr><w:sz w:val=\"22\" /></w:rPr></w:rPrDefault></w:docDefaults>";
        let out = String::from_utf8(with_language(styles.as_bytes(), "en-GB")).unwrap();
        assert!(out.contains(
            r#"<w:sz w:val="22" /><w:lang w:val="en-GB" w:eastAsia="en-GB" w:bidi="en-GB" /></w:rPr></w:rPrDefault>"#
        ));
        let fonts = String::from_utf8(with_calibri(
            b"<w:fonts><w:font w:name=\"Arial\" /></w:fonts>",
        ))
        .unwrap();
        assert_eq!(fonts.matches(r#"<w:altName w:val="Carlito" />"#).count(), 1);
        assert!(fonts.ends_with("</w:font></w:fonts>"));
    }
}
