//! Reading `application/x-www-form-urlencoded` bodies lazily: split first, decode only the parts
//! that are looked at, with the result `form_urlencoded::parse` would give.
//!
//! The fuzz targets' oracles and the snapshot normaliser read hostile or token-heavy bodies
//! where only a few fields matter. Splitting with `memchr` costs next to nothing, while decoding
//! every byte of a 1,800-byte token (or of a fuzzer's 4 KB input, under comparison hooks) is
//! most of the work.

use std::borrow::Cow;

/// The raw (still encoded) name and value of each pair of a form body, split exactly as
/// `form_urlencoded::parse` splits: on `&`, empty pairs skipped, at the first `=`.
pub fn raw_pairs(body: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut start = 0;
    memchr::memchr_iter(b'&', body).chain([body.len()]).filter_map(move |end| {
        let pair = &body[start..end];
        start = end + 1;
        match memchr::memchr(b'=', pair) {
            _ if pair.is_empty() => None,
            Some(at) => Some((&pair[..at], &pair[at + 1..])),
            None => Some((pair, &pair[pair.len()..])),
        }
    })
}

/// One form-encoded name or value, decoded as `form_urlencoded::parse` decodes it (`+` is a
/// space, `%XX` a byte, invalid UTF-8 replaced). Borrowed when there is nothing to decode.
pub fn decode_component(raw: &[u8]) -> Cow<'_, str> {
    if memchr::memchr2(b'%', b'+', raw).is_none() {
        return String::from_utf8_lossy(raw);
    }
    // `parse` decodes pairs only; behind `=`, `raw` is a value whatever it holds.
    let pair = [&b"="[..], raw].concat();
    let value = form_urlencoded::parse(&pair).next().map(|(_, value)| value.into_owned());
    Cow::Owned(value.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazy_reading_agrees_with_form_urlencoded() {
        let bodies: [&[u8]; 8] = [
            b"token=abc&client_id=x",
            b"&&token=a%62c+d&=v&k&k2=a=b&",
            b"%74oken=x%ZZ&refresh%5Ftoken=%E2%82%AC",
            b"",
            b"=",
            b"a+b=c+d",
            b"t\xffoken=\xfe",
            b"%3D=%26&x=%",
        ];
        for body in bodies {
            let expected: Vec<(String, String)> =
                form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
            let actual: Vec<(String, String)> =
                raw_pairs(body).map(|(k, v)| (decode_component(k).into(), decode_component(v).into())).collect();
            assert_eq!(actual, expected, "{}", String::from_utf8_lossy(body));
        }
    }
}
