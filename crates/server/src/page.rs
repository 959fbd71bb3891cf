//! The page, compiled into the binary so that the server needs no files but the
//! scenarios: plain HTML, CSS and JavaScript written for narcodoor (charts are drawn as
//! SVG by `app.js`; no library, nothing fetched from elsewhere).

use axum::http::header;
use axum::response::IntoResponse;

const INDEX: &str = include_str!("../../../assets/web/index.html");
const SCRIPT: &str = include_str!("../../../assets/web/app.js");
const STYLE: &str = include_str!("../../../assets/web/style.css");

pub async fn index() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], INDEX)
}

pub async fn script() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], SCRIPT)
}

pub async fn style() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], STYLE)
}
