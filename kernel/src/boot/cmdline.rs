//! The kernel command line: `key=value` and bare `flag` words separated by spaces, as Linux
//! parses them (no quoting yet). Unknown words are kept for init, as Linux passes them on.

/// The parsed command line, borrowed from the boot information.
#[derive(Clone, Copy)]
pub struct Cmdline<'a> {
    raw: &'a str,
}

impl<'a> Cmdline<'a> {
    /// Wraps a raw command line.
    pub fn new(raw: &'a str) -> Self {
        Cmdline { raw }
    }

    /// The raw text.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// Every word as `(key, Some(value))` or `(flag, None)`.
    pub fn words(&self) -> impl Iterator<Item = (&'a str, Option<&'a str>)> {
        self.raw
            .split_ascii_whitespace()
            .map(|w| match w.split_once('=') {
                Some((k, v)) => (k, Some(v)),
                None => (w, None),
            })
    }

    /// The value of the last `key=value` for `key`.
    pub fn get(&self, key: &str) -> Option<&'a str> {
        self.words()
            .filter(|(k, _)| *k == key)
            .filter_map(|(_, v)| v)
            .last()
    }

    /// True if `flag` appears bare or as `flag=...`.
    pub fn has(&self, flag: &str) -> bool {
        self.words().any(|(k, _)| k == flag)
    }
}
