//! Putting user text into Markdown as text.
//!
//! Step outputs are user text, never Markdown: every character Markdown or HTML would
//! interpret is backslash-escaped (CommonMark allows escaping any ASCII punctuation), so a
//! `<script>` or a `[link](javascript:...)` in an output shows as the characters typed.
//! The renderer sanitizes the result again in any case.

/// Escapes one line of user text for Markdown inline content. Newlines become spaces.
pub(crate) fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut at_line_start = true;
    for c in text.trim().chars() {
        match c {
            '\r' | '\n' => {
                out.push(' ');
                continue;
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '#' | '+' | '-' | '=' if at_line_start => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        at_line_start = false;
    }
    escape_ordered_list_start(out)
}

/// A digit run followed by `.` or `)` at the start would open an ordered list.
fn escape_ordered_list_start(out: String) -> String {
    let digits = out.chars().take_while(char::is_ascii_digit).count();
    match out[digits..].chars().next() {
        Some(marker @ ('.' | ')')) if digits > 0 => {
            format!("{}\\{marker}{}", &out[..digits], &out[digits + 1..])
        }
        _ => out,
    }
}

/// Escapes multi-line user text as paragraphs: blank lines separate paragraphs, single
/// newlines become spaces.
pub(crate) fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(inline)
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// A Markdown bullet list of user text, or `None` for an empty list.
pub(crate) fn bullets<S: AsRef<str>>(items: &[S]) -> Option<String> {
    let lines: Vec<String> = items
        .iter()
        .map(|i| i.as_ref().trim())
        .filter(|i| !i.is_empty())
        .map(|i| format!("- {}", inline(i)))
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

/// A Markdown table; every cell is user text. Empty when there are no rows.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "| {} |\n|{}|\n",
        header.join(" | "),
        vec![" --- "; header.len()].join("|")
    );
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| {
                if c.trim().is_empty() {
                    "—".to_string()
                } else {
                    inline(c)
                }
            })
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

/// Lower case, runs of non-alphanumerics replaced by `-`, trimmed of `-` (build-pack.md's
/// download file names). Never empty: `build-pack` stands in for a title with no letters.
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_matches('-');
    if trimmed.is_empty() {
        "build-pack".to_string()
    } else {
        trimmed.to_string()
    }
}

/// Capitalizes the first letter (`desirability` → `Desirability`).
pub(crate) fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Writes a document: an `#` title, then `## n. Section` headings numbered as they appear.
pub(crate) struct MarkdownDoc {
    out: String,
    sections: usize,
    /// Per section heading, the unconfirmed steps it is drawn from ([`MarkdownDoc::drafts`]).
    drafts: Vec<(&'static str, Vec<String>)>,
}

impl MarkdownDoc {
    pub(crate) fn new(title: &str) -> MarkdownDoc {
        MarkdownDoc {
            out: format!("# {}\n", inline(title)),
            sections: 0,
            drafts: Vec::new(),
        }
    }

    /// Marks the sections drawn from unconfirmed steps: each `(heading, step names)` with
    /// names gets a "Draft" line under its heading that names them.
    pub(crate) fn drafts(mut self, drafts: Vec<(&'static str, Vec<String>)>) -> MarkdownDoc {
        self.drafts = drafts;
        self
    }

    /// Adds a numbered section; `body` is Markdown.
    pub(crate) fn section(&mut self, heading: &str, body: String) {
        self.sections += 1;
        let draft = self
            .drafts
            .iter()
            .find(|(h, names)| *h == heading && !names.is_empty())
            .map(|(_, names)| {
                let names: Vec<String> = names.iter().map(|n| inline(n)).collect();
                format!(
                    "> **Draft:** from {} {}, not confirmed yet; it may still change.\n\n",
                    if names.len() == 1 {
                        "the step"
                    } else {
                        "the steps"
                    },
                    names.join(", ")
                )
            })
            .unwrap_or_default();
        self.out.push_str(&format!(
            "\n## {}. {}\n\n{draft}{}\n",
            self.sections,
            heading,
            body.trim_end()
        ));
    }

    /// Adds raw Markdown after the title.
    pub(crate) fn push(&mut self, markdown: &str) {
        self.out.push_str(&format!("\n{}\n", markdown.trim_end()));
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_user_text_is_escaped() {
        assert_eq!(
            inline("<script>alert(1)</script>"),
            "\\<script\\>alert(1)\\</script\\>"
        );
        assert_eq!(
            inline("[x](javascript:alert(1))"),
            "\\[x\\](javascript:alert(1))"
        );
        assert_eq!(inline("# not a heading"), "\\# not a heading");
        assert_eq!(inline("- not a list"), "\\- not a list");
        assert_eq!(inline("2026. A year"), "2026\\. A year");
        assert_eq!(inline("a | b\nc"), "a \\| b c");
        assert_eq!(inline("3-5 tools, #1 pain"), "3-5 tools, #1 pain");
    }

    #[test]
    fn slugs_follow_the_build_pack_rule() {
        assert_eq!(
            slug("PawPal Autopilot — Product Requirements Document"),
            "pawpal-autopilot-product-requirements-document"
        );
        assert_eq!(slug("  Validation Plan!! "), "validation-plan");
        assert_eq!(slug("***"), "build-pack");
        assert_eq!(slug("Café Über"), "café-über");
    }
}
