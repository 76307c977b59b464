//! Markdown to sanitized HTML: pulldown-cmark (tables, task lists, footnotes,
//! strikethrough), raw HTML shown as text, then ammonia.

use std::sync::OnceLock;

use pulldown_cmark::{html, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// A heading of a rendered document, for a table of contents.
#[derive(Debug, Clone, PartialEq)]
pub struct Heading {
    /// 1 for `#`, 2 for `##`, ...
    pub level: u8,
    /// The element id the heading got, `{prefix}-{n}`.
    pub id: String,
    /// The heading's text.
    pub text: String,
}

/// Markdown rendered to HTML that is safe to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub html: String,
    pub headings: Vec<Heading>,
}

/// The Markdown extensions build packs use.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static SANITIZER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    SANITIZER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.add_generic_attributes(["id"])
            .add_tags(["input"])
            .add_tag_attributes("input", ["type", "checked", "disabled"])
            .add_tag_attributes("sup", ["class"])
            .add_tag_attributes("div", ["class"])
            .add_tag_attributes("th", ["style"])
            .add_tag_attributes("td", ["style"])
            .attribute_filter(|element, attribute, value| match (element, attribute) {
                // Only the checkboxes of task lists, and never editable.
                ("input", "type") if value != "checkbox" => None,
                (_, "style") if !value.starts_with("text-align:") => None,
                _ => Some(value.into()),
            })
            .set_tag_attribute_value("input", "disabled", "");
        b
    })
}

/// Renders Markdown to sanitized HTML. Headings get ids `{id_prefix}-1`, `-2`, ... in
/// document order. Raw HTML in the Markdown is shown as text, never as markup; whatever
/// remains is cleaned by ammonia (no script, no event handlers, no `javascript:` URLs).
pub fn to_html(markdown: &str, id_prefix: &str) -> Rendered {
    let mut headings = Vec::new();
    let mut open: Option<Heading> = None;
    let events = Parser::new_ext(markdown, markdown_options()).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => {
            if let Some(h) = open.as_mut() {
                h.text.push_str(&raw);
            }
            Event::Text(raw)
        }
        Event::Start(Tag::Heading {
            level,
            classes,
            attrs,
            ..
        }) => {
            let id = format!("{id_prefix}-{}", headings.len() + 1);
            open = Some(Heading {
                level: heading_level(level),
                id: id.clone(),
                text: String::new(),
            });
            Event::Start(Tag::Heading {
                level,
                id: Some(CowStr::from(id)),
                classes,
                attrs,
            })
        }
        Event::End(TagEnd::Heading(level)) => {
            headings.extend(open.take());
            Event::End(TagEnd::Heading(level))
        }
        Event::Text(text) => {
            if let Some(h) = open.as_mut() {
                h.text.push_str(&text);
            }
            Event::Text(text)
        }
        Event::Code(text) => {
            if let Some(h) = open.as_mut() {
                h.text.push_str(&text);
            }
            Event::Code(text)
        }
        other => other,
    });
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, events);
    Rendered {
        html: sanitizer().clean(&raw).to_string(),
        headings,
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}
