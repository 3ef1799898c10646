//! Every link trivsel hands out, built here and nowhere else, from what a session was created
//! with: the participants' join link (also what the QR code and the invitation carry), the
//! facilitator console, the projector view, a table's screen and a series' page — their token after `#`, so that
//! it never reaches a server log — and a series' combined export. The paths are the ones `http::app`
//! serves.

use crate::domain::Created;

/// The participants' join link: `{base}/j/{code}`.
pub fn join(created: &Created) -> String {
    format!("{}/j/{}", created.base_url, created.code)
}

/// The facilitator console, with the facilitator token.
pub fn facilitator(created: &Created) -> String {
    format!(
        "{}/s/{}/facilitator#{}",
        created.base_url,
        created.code,
        created.facilitator_token.expose()
    )
}

/// The projector view, with the (read-only) projector token.
pub fn projector(created: &Created) -> String {
    format!(
        "{}/s/{}/projector#{}",
        created.base_url,
        created.code,
        created.projector_token.expose()
    )
}

/// A table's screen (issue 16): the projector view of one table, with the projector token —
/// it shows that table's step, timer and revealed results, which the room sees anyway.
pub fn table_screen(created: &Created, table: crate::domain::TableId) -> String {
    format!(
        "{}/s/{}/bord/{}#{}",
        created.base_url,
        created.code,
        table.number(),
        created.projector_token.expose()
    )
}

/// The series' facilitator page, listing every meeting, named by its first meeting, with the
/// facilitator token (shared by every meeting of the series).
pub fn series_page(created: &Created) -> Option<String> {
    let first = created.series.as_ref()?.codes.first()?;
    Some(format!(
        "{}/s/{first}/series#{}",
        created.base_url,
        created.facilitator_token.expose()
    ))
}

/// The combined export of the series the session belongs to, named by its first meeting.
pub fn series_export(created: &Created) -> Option<String> {
    let first = created.series.as_ref()?.codes.first()?;
    Some(format!("{}/api/series/{first}/export", created.base_url))
}
