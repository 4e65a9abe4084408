//! HTML escaping and the page layout. Every string that did not come from this file is
//! escaped with [`escape`] before it reaches a page.

use std::fmt::Write;

use axum::response::{IntoResponse, Response};

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A whole page, ready to send.
pub struct Html(String);

/// The sections of the navigation bar.
const SECTIONS: &[(&str, &str)] = &[
    ("queues", "Queues"),
    ("topics", "Topics"),
    ("streams", "Streams"),
];

impl Html {
    /// A page titled `title` (escaped here), in the section `section` (one of
    /// [`SECTIONS`], or empty), with `body` (already safe HTML) as its main content.
    pub fn page(title: &str, section: &str, body: &str) -> Self {
        let mut nav = String::new();
        for (id, label) in SECTIONS {
            let current = if *id == section {
                r#" aria-current="page""#
            } else {
                ""
            };
            let _ = write!(
                nav,
                r#"<li><a href="/console/{id}"{current}>{label}</a></li>"#
            );
        }
        Self(format!(
            r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Sluice console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/console.css">
<script src="/console/assets/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<p class="brand"><a href="/console">Sluice console</a></p>
<nav aria-label="Sections"><ul>{nav}</ul></nav>
</header>
<main id="main" tabindex="-1">
<h1>{title}</h1>
{body}
</main>
</body>
</html>
"##,
            title = escape(title),
        ))
    }
}

impl IntoResponse for Html {
    fn into_response(self) -> Response {
        axum::response::Html(self.0).into_response()
    }
}

/// A notice after an action, announced to screen readers.
pub fn notice(text: Option<&str>) -> String {
    match text {
        Some(text) if !text.is_empty() => {
            format!(r#"<p class="notice" role="status">{}</p>"#, escape(text))
        }
        _ => String::new(),
    }
}

/// A two-column table of names and values (both escaped), or `empty` when there are none.
pub fn definition_table<'a>(
    caption: &str,
    rows: impl IntoIterator<Item = (&'a str, &'a str)>,
    empty: &str,
) -> String {
    let mut out = String::new();
    for (name, value) in rows {
        let _ = write!(
            out,
            r#"<tr><th scope="row">{}</th><td>{}</td></tr>"#,
            escape(name),
            escape(value)
        );
    }
    if out.is_empty() {
        return format!("<p>{}</p>", escape(empty));
    }
    format!(
        r#"<table class="pairs"><caption>{}</caption><tbody>{out}</tbody></table>"#,
        escape(caption)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x" + 'y')</script> & co"#),
            "&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39;)&lt;/script&gt; &amp; co"
        );
        assert_eq!(escape("plain ünïcode"), "plain ünïcode");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn escaping_is_not_undone_by_entities() {
        assert_eq!(escape("&lt;"), "&amp;lt;");
    }

    #[test]
    fn titles_and_notices_are_escaped() {
        let page = Html::page("<q>", "queues", "").0;
        assert!(page.contains("<title>&lt;q&gt; · Sluice console</title>"));
        assert!(page.contains(r#"<a href="/console/queues" aria-current="page">"#));
        assert_eq!(
            notice(Some("<b>")),
            r#"<p class="notice" role="status">&lt;b&gt;</p>"#
        );
        assert_eq!(notice(None), "");
    }

    #[test]
    fn definition_tables_escape_both_columns() {
        let table = definition_table("Tags", [("<k>", "\"v\"")], "none");
        assert!(table.contains("<th scope=\"row\">&lt;k&gt;</th><td>&quot;v&quot;</td>"));
        assert_eq!(
            definition_table("Tags", [], "No <tags>"),
            "<p>No &lt;tags&gt;</p>"
        );
    }
}
