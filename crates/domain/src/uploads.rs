//! What an uploaded document must be before it is sealed and kept: a PDF, PNG or JPEG
//! by its content (the name and the type the browser claims are not trusted), complete,
//! within the size limit, and for a PDF without active content.

/// Certificates and court decisions are scanned pages: 10 MB holds a dozen at phone
/// camera resolution, and keeps a slow connection's upload bounded.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// The kinds of file accepted, as recognised from their bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentType {
    Pdf,
    Png,
    Jpeg,
}

impl DocumentType {
    pub fn content_type(self) -> &'static str {
        match self {
            DocumentType::Pdf => "application/pdf",
            DocumentType::Png => "image/png",
            DocumentType::Jpeg => "image/jpeg",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            DocumentType::Pdf => "pdf",
            DocumentType::Png => "png",
            DocumentType::Jpeg => "jpg",
        }
    }
}

/// Why an upload was refused; each has a message in the user's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadProblem {
    Empty,
    TooLarge,
    /// Not a PDF, PNG or JPEG, whatever its name says.
    UnknownType,
    /// The file is cut short (an interrupted upload or a damaged file).
    Truncated,
    /// A PDF that runs scripts, launches programs or carries other files.
    ActiveContent,
}

impl UploadProblem {
    pub fn message_id(self) -> &'static str {
        match self {
            UploadProblem::Empty => "upload-error-empty",
            UploadProblem::TooLarge => "upload-error-too-large",
            UploadProblem::UnknownType => "upload-error-type",
            UploadProblem::Truncated => "upload-error-truncated",
            UploadProblem::ActiveContent => "upload-error-active",
        }
    }
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// PDF names that make a reader act rather than display.
const ACTIVE_PDF_NAMES: [&str; 7] = [
    "JavaScript",
    "JS",
    "Launch",
    "EmbeddedFile",
    "EmbeddedFiles",
    "RichMedia",
    "SubmitForm",
];

/// Recognises and checks an upload.
pub fn check_upload(bytes: &[u8]) -> Result<DocumentType, UploadProblem> {
    if bytes.is_empty() {
        return Err(UploadProblem::Empty);
    }
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadProblem::TooLarge);
    }
    if bytes.starts_with(b"%PDF-") {
        check_pdf(bytes)?;
        Ok(DocumentType::Pdf)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        check_png(bytes)?;
        Ok(DocumentType::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        check_jpeg(bytes)?;
        Ok(DocumentType::Jpeg)
    } else {
        Err(UploadProblem::UnknownType)
    }
}

fn check_pdf(bytes: &[u8]) -> Result<(), UploadProblem> {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    if !contains(tail, b"%%EOF") {
        return Err(UploadProblem::Truncated);
    }
    if pdf_names(bytes).any(|name| ACTIVE_PDF_NAMES.contains(&name.as_str())) {
        return Err(UploadProblem::ActiveContent);
    }
    Ok(())
}

/// The names (`/Name`) of a PDF's uncompressed parts, with `#xx` escapes decoded: an
/// escape (`/J#61vaScript`) must not hide a name. Names inside compressed object
/// streams are not seen; downloads are served as attachments, never shown inline.
fn pdf_names(bytes: &[u8]) -> impl Iterator<Item = String> + '_ {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        let slash = rest.iter().position(|&b| b == b'/')?;
        let after = &rest[slash + 1..];
        let end = after
            .iter()
            .position(|&b| b.is_ascii_whitespace() || b"/[]<>(){}%".contains(&b))
            .unwrap_or(after.len());
        rest = &after[end..];
        Some(decode_name(&after[..end]))
    })
}

fn decode_name(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let hex = raw
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (raw[i], hex) {
            (b'#', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn check_png(bytes: &[u8]) -> Result<(), UploadProblem> {
    let header_ok = bytes.get(12..16) == Some(b"IHDR");
    let end_ok = bytes.len() >= 12 && &bytes[bytes.len() - 8..bytes.len() - 4] == b"IEND";
    if header_ok && end_ok {
        Ok(())
    } else {
        Err(UploadProblem::Truncated)
    }
}

fn check_jpeg(bytes: &[u8]) -> Result<(), UploadProblem> {
    // Some cameras pad after the end-of-image marker.
    let end = bytes.iter().rposition(|&b| b != 0).unwrap_or(0);
    if end >= 3 && bytes[end - 1] == 0xFF && bytes[end] == 0xD9 {
        Ok(())
    } else {
        Err(UploadProblem::Truncated)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf(body: &str) -> Vec<u8> {
        format!("%PDF-1.7\n1 0 obj << /Type /Catalog {body} >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n").into_bytes()
    }

    fn png() -> Vec<u8> {
        let mut bytes = PNG_SIGNATURE.to_vec();
        bytes.extend_from_slice(b"\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde");
        bytes.extend_from_slice(b"\0\0\0\0IEND\xaeB`\x82");
        bytes
    }

    #[test]
    fn recognises_documents_by_their_bytes() {
        assert_eq!(check_upload(&pdf("/Pages 2 0 R")), Ok(DocumentType::Pdf));
        assert_eq!(check_upload(&png()), Ok(DocumentType::Png));
        assert_eq!(
            check_upload(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9, 0, 0]),
            Ok(DocumentType::Jpeg)
        );
    }

    #[test]
    fn refuses_what_is_not_a_document() {
        assert_eq!(check_upload(b""), Err(UploadProblem::Empty));
        assert_eq!(
            check_upload(b"<html><script>alert(1)</script>"),
            Err(UploadProblem::UnknownType)
        );
        assert_eq!(check_upload(b"MZ\x90\0"), Err(UploadProblem::UnknownType));
        let big = vec![0u8; MAX_UPLOAD_BYTES + 1];
        assert_eq!(check_upload(&big), Err(UploadProblem::TooLarge));
    }

    #[test]
    fn refuses_cut_files() {
        let whole = pdf("");
        assert_eq!(
            check_upload(&whole[..whole.len() - 8]),
            Err(UploadProblem::Truncated)
        );
        let image = png();
        assert_eq!(
            check_upload(&image[..image.len() - 12]),
            Err(UploadProblem::Truncated)
        );
        assert_eq!(
            check_upload(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2]),
            Err(UploadProblem::Truncated)
        );
    }

    #[test]
    fn refuses_pdfs_with_active_content_even_escaped() {
        for body in [
            "/OpenAction << /S /JavaScript /JS (app.alert(1)) >>",
            "/OpenAction << /S /Launch /F (cmd.exe) >>",
            "/Names << /EmbeddedFiles 3 0 R >>",
            "/OpenAction << /S /J#61vaScript >>",
        ] {
            assert_eq!(
                check_upload(&pdf(body)),
                Err(UploadProblem::ActiveContent),
                "{body}"
            );
        }
        // A name that merely starts like a banned one is fine.
        assert_eq!(check_upload(&pdf("/JSONish 1")), Ok(DocumentType::Pdf));
    }

    mod fuzz {
        use super::*;
        use crate::fuzz::cases;
        use proptest::prelude::*;

        fn signature() -> impl Strategy<Value = Vec<u8>> {
            prop::sample::select(vec![
                b"%PDF-1.7\n".to_vec(),
                PNG_SIGNATURE.to_vec(),
                vec![0xFF, 0xD8, 0xFF],
                Vec::new(),
            ])
        }

        fn ending() -> impl Strategy<Value = Vec<u8>> {
            prop::sample::select(vec![
                b"\n%%EOF\n".to_vec(),
                b"\0\0\0\0IEND\xaeB`\x82".to_vec(),
                vec![0xFF, 0xD9, 0, 0],
                b"#".to_vec(),
                Vec::new(),
            ])
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(cases(512)))]

            /// Any bytes behind any signature: an answer, never a panic.
            #[test]
            fn fuzz_upload_sniffing(
                head in signature(),
                body in prop::collection::vec(any::<u8>(), 0..2048),
                tail in ending(),
            ) {
                let file = [head, body, tail].concat();
                let _ = check_upload(&file);
            }

            /// An action name anywhere in a PDF's clear text is found.
            #[test]
            fn fuzz_active_pdf_names_are_found(
                body in prop::collection::vec(any::<u8>(), 0..512),
                at in any::<prop::sample::Index>(),
                name in prop::sample::select(ACTIVE_PDF_NAMES.to_vec()),
            ) {
                let mut file = b"%PDF-1.7\n".to_vec();
                let at = at.index(body.len() + 1);
                file.extend_from_slice(&body[..at]);
                file.extend_from_slice(format!("/{name} ").as_bytes());
                file.extend_from_slice(&body[at..]);
                file.extend_from_slice(b"\n%%EOF\n");
                prop_assert_eq!(check_upload(&file), Err(UploadProblem::ActiveContent));
            }
        }
    }
}
