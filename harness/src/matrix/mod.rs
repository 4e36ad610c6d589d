//! The conformance matrix: scenarios × targets, in Markdown and self-contained HTML.
