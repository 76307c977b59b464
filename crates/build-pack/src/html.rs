//! The standalone HTML export: one self-contained file with a cover, a table of contents,
//! the documents, and a print stylesheet (A4 margins, a page break per section, page
//! numbers in the footer, tables that wrap instead of overflowing). It carries no script
//! and forbids any with its own Content-Security-Policy.

use crate::render::{to_html, Heading, Rendered};

/// One document to put into the file: its title and Markdown.
pub(crate) struct Part<'a> {
    pub title: &'a str,
    pub markdown: &'a str,
}

const STYLE: &str = r#"
:root { color-scheme: light dark; --ink: #1d2330; --muted: #5b6475; --rule: #d8dde6; --accent: #3b5bdb; --paper: #ffffff; --band: #f4f6fa; }
@media (prefers-color-scheme: dark) { :root { --ink: #e7eaf0; --muted: #a3acbd; --rule: #3a4252; --accent: #8da2fb; --paper: #161a22; --band: #1f2430; } }
* { box-sizing: border-box; }
html { background: var(--paper); color: var(--ink); }
body { font: 16px/1.6 "Inter", "Segoe UI", system-ui, -apple-system, sans-serif; max-width: 50rem; margin: 0 auto; padding: 3rem 1.5rem 5rem; }
h1, h2, h3, h4 { line-height: 1.25; break-after: avoid; }
h1 { font-size: 2rem; margin: 0 0 1rem; }
h2 { font-size: 1.4rem; margin-top: 2.5rem; padding-bottom: .3rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.15rem; margin-top: 1.8rem; }
h4 { font-size: 1rem; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
a { color: var(--accent); }
blockquote { margin: 1rem 0; padding: .6rem 1rem; border-left: 4px solid var(--accent); background: var(--band); font-style: italic; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; margin: 1rem 0; font-size: .9rem; }
th, td { border: 1px solid var(--rule); padding: .4rem .55rem; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
thead th { background: var(--band); }
thead { display: table-header-group; }
tr { break-inside: avoid; }
ul.contains-task-list { list-style: none; padding-left: 1.2rem; }
li { margin: .2rem 0; }
.cover { min-height: 60vh; display: flex; flex-direction: column; justify-content: center; border-bottom: 1px solid var(--rule); margin-bottom: 2rem; }
.cover .kicker { text-transform: uppercase; letter-spacing: .12em; color: var(--accent); font-weight: 600; margin: 0; }
.cover h1 { font-size: 2.6rem; margin: .5rem 0; }
.cover .subtitle { color: var(--muted); font-size: 1.2rem; margin: 0; }
.toc ol { padding-left: 1.4rem; }
.toc ol ol { list-style: none; padding-left: 1rem; font-size: .95rem; }
.toc a { text-decoration: none; }
.document { margin-top: 3rem; }
footer { margin-top: 4rem; color: var(--muted); font-size: .85rem; }
@page { size: A4; margin: 20mm 18mm 22mm; @bottom-center { content: "Page " counter(page) " of " counter(pages); font: 9pt sans-serif; color: #5b6475; } }
@page :first { @bottom-center { content: none; } }
@media print {
  :root { --ink: #000; --paper: #fff; --band: #f2f2f2; }
  body { max-width: none; padding: 0; font-size: 11pt; }
  a { color: inherit; text-decoration: none; }
  .cover { min-height: 240mm; border: none; break-after: page; }
  .toc { break-after: page; }
  .document { margin-top: 0; break-before: page; }
  .document > h2 { break-before: page; border: none; }
  .document > h1 + h2 { break-before: auto; }
  footer { display: none; }
}
"#;

/// Escapes text for an HTML element or a quoted attribute.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    // Writing into a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut out, text);
    out
}

/// The documents as sanitized `<article>` elements, for showing inside a page.
pub(crate) fn articles(parts: &[Part<'_>]) -> String {
    rendered(parts).iter().map(article).collect()
}

/// Each part rendered, its headings' ids prefixed `d1-`, `d2-`, ... so they stay unique.
fn rendered(parts: &[Part<'_>]) -> Vec<Rendered> {
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| to_html(part.markdown, &format!("d{}", i + 1)))
        .collect()
}

fn article(rendered: &Rendered) -> String {
    format!(
        "<article class=\"document\">\n{}</article>\n",
        rendered.html
    )
}

/// The whole HTML file for `title`, with the given documents in order.
pub(crate) fn standalone(title: &str, subtitle: &str, parts: &[Part<'_>]) -> String {
    let mut toc = String::new();
    let mut body = String::new();
    for (part, rendered) in parts.iter().zip(rendered(parts)) {
        let doc_id = rendered
            .headings
            .iter()
            .find(|h| h.level == 1)
            .map(|h| h.id.clone())
            .unwrap_or_default();
        toc.push_str(&format!(
            "<li><a href=\"#{doc_id}\">{}</a>",
            esc(part.title)
        ));
        let sections: Vec<&Heading> = rendered.headings.iter().filter(|h| h.level == 2).collect();
        if !sections.is_empty() {
            toc.push_str("<ol>");
            for h in sections {
                toc.push_str(&format!(
                    "<li><a href=\"#{}\">{}</a></li>",
                    h.id,
                    esc(&h.text)
                ));
            }
            toc.push_str("</ol>");
        }
        toc.push_str("</li>");
        body.push_str(&article(&rendered));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"generator\" content=\"WorkshopPilot Desktop\">\n\
<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
<header class=\"cover\"><p class=\"kicker\">Build pack</p><h1>{title}</h1><p class=\"subtitle\">{subtitle}</p></header>\n\
<nav class=\"toc\" aria-label=\"Contents\"><h2>Contents</h2><ol>{toc}</ol></nav>\n\
<main>\n{body}</main>\n<footer>Generated offline by WorkshopPilot Desktop from the workshop's step outputs.</footer>\n</body>\n</html>\n",
        title = esc(title),
        subtitle = esc(subtitle),
    )
}
