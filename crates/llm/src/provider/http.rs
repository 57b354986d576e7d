//! One POST with timeouts, retries, backoff and cancellation, shared by the HTTP providers.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use debrief_redact::Secret;
use reqwest::blocking::{Client, Response};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::Settings;
use crate::LlmError;

/// Most characters of a server's answer quoted in an error.
const QUOTE_CHARS: usize = 300;

/// A flag another thread raises to stop a request: checked before every attempt, while
/// waiting for an answer and while waiting to retry; [`Provider::complete`](crate::Provider::complete)
/// then returns [`LlmError::Cancelled`] within about 20 ms.
///
/// ```
/// use debrief_llm::provider::Cancel;
/// let cancel = Cancel::new();
/// let for_ctrl_c = cancel.clone();
/// for_ctrl_c.cancel();
/// assert!(cancel.is_cancelled());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops every request that holds a clone of this flag.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Timeouts, retries and backoff of the HTTP providers.
///
/// A request is tried up to `retries + 1` times. A 408, a 429, a 5xx or a failed connection is
/// retried after `Retry-After` (or OpenAI's `retry-after-ms`) when the server sends one,
/// else after `backoff · 2^attempt` (at most `max_backoff`) with jitter; a server that
/// asks to wait longer than `max_retry_after` is not waited for. A timeout is not retried:
/// a model that was too slow once will be again, and the draft should not wait several
/// timeouts. Other 4xx answers are final.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// How long one attempt may take, connection to last byte.
    pub timeout: Duration,
    /// Retries after the first attempt.
    pub retries: u32,
    /// The first backoff.
    pub backoff: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; longer ones end the request.
    pub max_retry_after: Duration,
    /// Raised to stop.
    pub cancel: Cancel,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(super::settings::DEFAULT_TIMEOUT_SECS),
            retries: super::settings::DEFAULT_RETRIES,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
            cancel: Cancel::default(),
        }
    }
}

impl HttpOptions {
    /// The timeout and retries of `settings`, default backoff.
    pub fn from_settings(settings: &Settings) -> Self {
        Self { timeout: settings.timeout(), retries: settings.retries(), ..Self::default() }
    }

    /// The same options, stopped by `cancel`.
    #[must_use]
    pub fn with_cancel(mut self, cancel: Cancel) -> Self {
        self.cancel = cancel;
        self
    }
}

/// A server's final answer: 2xx, or a 4xx the caller may want to read (a 400 about
/// `response_format`).
pub(crate) struct Reply {
    pub status: u16,
    pub body: String,
}

/// How one attempt ended.
enum Outcome {
    Answered { status: u16, wait: Option<Duration>, body: String },
    Failed(reqwest::Error),
}

/// The HTTP client of one provider.
pub(crate) struct Http {
    client: Client,
    options: HttpOptions,
    /// The key, so that anything a server echoes back is masked before it is quoted.
    key: Option<Secret>,
}

impl Http {
    pub fn new(url: &reqwest::Url, options: HttpOptions, key: Option<Secret>) -> Result<Self, LlmError> {
        let mut builder = Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("debrief/", env!("CARGO_PKG_VERSION")));
        if is_loopback(url) {
            // A model on this machine is never reached through a proxy.
            builder = builder.no_proxy();
        }
        let client = builder.build().map_err(|e| LlmError::Config(format!("the HTTP client could not start: {e}")))?;
        Ok(Self { client, options, key })
    }

    /// POSTs `body` to `url`, retrying as [`HttpOptions`] says. `Ok` is a 2xx or a
    /// final 4xx; everything else is an `Err`.
    pub fn post(&self, url: &str, headers: &HeaderMap, body: &[u8]) -> Result<Reply, LlmError> {
        let shown = display_url(url);
        let mut attempt: u32 = 0;
        loop {
            if self.options.cancel.is_cancelled() {
                return Err(LlmError::Cancelled);
            }
            let retry_in = match self.exchange(url, headers, body, &shown)? {
                Outcome::Answered { status, wait, body } => {
                    if !(status == 408 || status == 429 || status >= 500) {
                        return Ok(Reply { status, body });
                    }
                    let err = LlmError::Status { url: shown.clone(), status, body: self.quote(&body) };
                    match wait {
                        Some(w) if w > self.options.max_retry_after => return Err(err),
                        _ if attempt >= self.options.retries => return Err(err),
                        Some(w) => w,
                        None => self.backoff(attempt),
                    }
                }
                Outcome::Failed(e) if e.is_timeout() => return Err(self.timeout(&shown)),
                Outcome::Failed(e) => {
                    let err = LlmError::Transport { url: shown.clone(), message: self.describe(&e) };
                    if attempt >= self.options.retries || e.is_builder() {
                        return Err(err);
                    }
                    self.backoff(attempt)
                }
            };
            self.sleep(retry_in)?;
            attempt += 1;
        }
    }

    /// One attempt, on its own thread so that a cancel returns at once instead of when
    /// the server answers or the timeout ends it (the abandoned attempt ends there).
    fn exchange(&self, url: &str, headers: &HeaderMap, body: &[u8], shown: &str) -> Result<Outcome, LlmError> {
        let request = self.client.post(url).headers(headers.clone()).body(body.to_vec());
        let (tx, rx) = mpsc::channel();
        thread::Builder::new()
            .name("debrief-llm-request".into())
            .spawn(move || {
                let outcome = match request.send() {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let wait = retry_after(&response);
                        match response.text() {
                            Ok(body) => Outcome::Answered { status, wait, body },
                            Err(e) => Outcome::Failed(e),
                        }
                    }
                    Err(e) => Outcome::Failed(e),
                };
                let _ = tx.send(outcome);
            })
            .map_err(|e| LlmError::Transport {
                url: shown.to_string(),
                message: format!("no thread for the request: {e}"),
            })?;
        loop {
            match rx.recv_timeout(Duration::from_millis(20)) {
                Ok(outcome) => return Ok(outcome),
                Err(RecvTimeoutError::Timeout) if self.options.cancel.is_cancelled() => {
                    return Err(LlmError::Cancelled);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(LlmError::Transport {
                        url: shown.to_string(),
                        message: "the request ended without an answer".into(),
                    });
                }
            }
        }
    }

    fn timeout(&self, shown: &str) -> LlmError {
        let t = self.options.timeout;
        LlmError::Timeout { url: shown.to_string(), seconds: t.as_secs() + u64::from(t.subsec_nanos() > 0) }
    }

    /// The error and its causes, one line, key masked.
    fn describe(&self, e: &reqwest::Error) -> String {
        let mut out = e.to_string();
        if let Some(url) = e.url() {
            // The URL is reported on its own, without credentials.
            out = out.replace(&format!(" for url ({url})"), "");
        }
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            let s_text = s.to_string();
            if !out.contains(&s_text) {
                out.push_str(": ");
                out.push_str(&s_text);
            }
            source = s.source();
        }
        self.mask(&out)
    }

    /// At most [`QUOTE_CHARS`] characters of a server's answer, on one line, key masked.
    pub fn quote(&self, body: &str) -> String {
        quote(&self.mask(body))
    }

    /// `text` with the key written `‹secret›`.
    pub fn mask(&self, text: &str) -> String {
        match &self.key {
            Some(k) if !k.is_empty() => text.replace(k.expose(), "‹secret›"),
            _ => text.to_string(),
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.options.backoff.as_secs_f64() * 2f64.powi(attempt.min(30) as i32);
        let full = base.min(self.options.max_backoff.as_secs_f64());
        // "Equal jitter": half the delay fixed, half random, so retries from many
        // clients spread out but none retries at once.
        let mut h = RandomState::new().build_hasher();
        h.write_u32(attempt);
        let unit = (h.finish() % 10_000) as f64 / 10_000.0;
        Duration::from_secs_f64(full / 2.0 + full / 2.0 * unit)
    }

    fn sleep(&self, total: Duration) -> Result<(), LlmError> {
        let until = Instant::now() + total;
        loop {
            if self.options.cancel.is_cancelled() {
                return Err(LlmError::Cancelled);
            }
            let now = Instant::now();
            if now >= until {
                return Ok(());
            }
            std::thread::sleep((until - now).min(Duration::from_millis(20)));
        }
    }
}

/// What the server asked to wait: `retry-after-ms` (OpenAI) or `Retry-After` in seconds.
fn retry_after(response: &Response) -> Option<Duration> {
    let header = |name: &str| {
        response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim).and_then(|v| v.parse::<f64>().ok())
    };
    let ms = header("retry-after-ms").map(|ms| ms / 1000.0);
    let secs = ms.or_else(|| header("retry-after"))?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

/// At most [`QUOTE_CHARS`] characters, whitespace runs folded to one space.
pub(crate) fn quote(text: &str) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match folded.char_indices().nth(QUOTE_CHARS) {
        Some((at, _)) => format!("{}…", folded.get(..at).unwrap_or_default()),
        None => folded,
    }
}

/// `url` without a user or password in it, for messages.
pub(crate) fn display_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        _ => url.to_string(),
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || bare.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A header the caller built from a constant name and a value it checked.
pub(crate) fn header(map: &mut HeaderMap, name: &'static str, value: &str) -> Result<(), LlmError> {
    let value = HeaderValue::from_str(value)
        .map_err(|_| LlmError::Config(format!("the {name} header value holds characters HTTP does not allow")))?;
    map.insert(HeaderName::from_static(name), value);
    Ok(())
}

/// A secret header, marked sensitive so it never shows in reqwest's own debug output.
pub(crate) fn secret_header(
    map: &mut HeaderMap,
    name: &'static str,
    prefix: &str,
    key: &Secret,
    variable: &str,
) -> Result<(), LlmError> {
    let mut value = HeaderValue::from_str(&format!("{prefix}{}", key.expose()))
        .map_err(|_| LlmError::Config(format!("{variable} holds characters an HTTP header cannot carry")))?;
    value.set_sensitive(true);
    map.insert(HeaderName::from_static(name), value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_short_and_on_one_line() {
        let long = format!("line one\n  line two {}", "x".repeat(1000));
        let q = quote(&long);
        assert!(q.starts_with("line one line two xxx"), "{q}");
        assert_eq!(q.chars().count(), QUOTE_CHARS + 1);
        assert!(q.ends_with('…'));
        assert_eq!(quote("é"), "é");
    }

    #[test]
    fn urls_lose_their_credentials() {
        assert_eq!(display_url("https://u:p@host/v1"), "https://host/v1");
        assert_eq!(display_url("http://127.0.0.1:8/v1"), "http://127.0.0.1:8/v1");
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let options = HttpOptions {
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            ..HttpOptions::default()
        };
        let url = reqwest::Url::parse("http://127.0.0.1/").unwrap();
        let http = Http::new(&url, options, None).unwrap();
        for _ in 0..20 {
            let first = http.backoff(0);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100), "{first:?}");
            let third = http.backoff(2);
            assert!(third >= Duration::from_millis(175) && third <= Duration::from_millis(350), "{third:?}");
        }
    }

    #[test]
    fn echoed_keys_are_masked() {
        let url = reqwest::Url::parse("http://127.0.0.1/").unwrap();
        let http = Http::new(&url, HttpOptions::default(), Some(Secret::new("sk-live-123"))).unwrap();
        assert_eq!(http.quote("bad key sk-live-123"), "bad key ‹secret›");
    }
}
