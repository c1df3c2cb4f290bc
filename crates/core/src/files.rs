//! The three files of a case — social, medical-psychological, judicial — each with its
//! entries (cards of the part's form) and its documents. The part decides who may read
//! and write it. Uploads are recognised by their bytes, sealed with their name, and
//! given back only to a reader of their part; every read is audited.

use crate::cases::{CaseError, Use};
use crate::permit::act;
use crate::{Core, CoreError, Permit, Who};
use awladna_domain::access::{Action, Decision, decide};
use awladna_domain::files::FilePart;
use awladna_domain::uploads::{UploadProblem, check_upload};
use awladna_store::audit::Tx;
use awladna_store::cards::CardRecord;
use awladna_store::cases::CaseRecord;
use awladna_store::documents::{DocumentInfo, NewDocument};
use awladna_store::keys::sealed_aad;
use serde_json::{Map, Value, json};
use thiserror::Error;

/// The vocabulary of document kinds; each kind's group is the part it belongs to.
pub const KINDS: &str = "document_kinds";

/// A document as a file lists it, its name opened.
pub struct ListedDocument {
    pub info: DocumentInfo,
    /// `None` once the retention run erased it.
    pub name: Option<String>,
}

/// One file of a case, opened for a reader of its part.
pub struct FileContents {
    pub case: CaseRecord,
    /// The form whose cards are the file's entries.
    pub entry_form: String,
    pub entries: Vec<(CardRecord, Map<String, Value>)>,
    pub documents: Vec<ListedDocument>,
    /// Whether the reader may also add to it (an open case, a writer of the part).
    pub can_write: bool,
}

/// Opens a file of a case: its entries and its documents' names. The read is audited
/// once, with the entries' form.
pub async fn read_part(
    core: &Core,
    permit: &Permit<act::ReadCase>,
    case_id: &str,
    part: FilePart,
) -> Result<FileContents, CaseError> {
    let form = core.entry_form(part).ok_or(CoreError::NotFound)?;
    let who = permit.who();
    let case = core
        .case_for(who, case_id, Action::ReadFile(part), Use::Read)
        .await?;
    let mut entries = Vec::new();
    for card in core.store.case_cards_of_form(&case.id, &form.code).await? {
        let values = core.card_values(&card)?;
        entries.push((card, values));
    }
    let entry = who.audit(
        core.now_ms(),
        "case.cards_read",
        ("case", &case.id),
        &case.territory,
        json!({"form": form.code}),
    );
    core.audit_alone(entry).await?;
    let mut documents = Vec::new();
    for info in core.store.documents(&case.id, part.code()).await? {
        let name = core
            .keyring
            .open(&info.name, &sealed_aad("documents", "name", &info.id))?;
        // Only the retention run leaves a document without a name.
        let name = Some(String::from_utf8_lossy(&name).into_owned()).filter(|n| !n.is_empty());
        documents.push(ListedDocument { info, name });
    }
    let can_write = case.stage != "closed"
        && decide(
            Some(permit.actor()),
            Action::WriteFile(part),
            Some(&case.territory),
        ) == Decision::Allow;
    Ok(FileContents {
        case,
        entry_form: form.code.clone(),
        entries,
        documents,
        can_write,
    })
}

/// A file sent for a case's file.
pub struct Upload {
    /// A code of [`KINDS`] of the file's part.
    pub kind: String,
    /// The name it had on the sender's computer (cleaned by the reader of the request).
    pub name: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, Error)]
pub enum UploadError {
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("the case is closed")]
    Closed,
    /// The kind is missing or not one of the part's.
    #[error("the kind is not one of the part's")]
    Kind,
    /// The file itself: empty, too large, of another type, damaged or active.
    #[error("the file is refused")]
    File(UploadProblem),
}

crate::wraps_core_error!(UploadError);

impl From<CaseError> for UploadError {
    fn from(e: CaseError) -> Self {
        match e {
            CaseError::Core(e) => UploadError::Core(e),
            CaseError::Closed => UploadError::Closed,
        }
    }
}

/// Checks, seals and stores a document on an open case's file; answers its id.
pub async fn upload(
    core: &Core,
    permit: &Permit<act::WorkOnCase>,
    case_id: &str,
    part: FilePart,
    upload: Upload,
) -> Result<String, UploadError> {
    let who = permit.who();
    let case = core
        .case_for(who, case_id, Action::WriteFile(part), Use::Change)
        .await?;
    let document = SealedDocument::check(core, part, upload)?;
    let mut tx = core.store.begin().await?;
    document.insert(&mut tx, who, &case, core.now_ms()).await?;
    tx.commit().await?;
    Ok(document.id)
}

/// A document checked for a part of a case's file and sealed, ready to store.
pub(crate) struct SealedDocument {
    pub id: String,
    part: FilePart,
    kind: String,
    content_type: &'static str,
    size: i64,
    name: Vec<u8>,
    content: Vec<u8>,
}

impl SealedDocument {
    /// Checks the kind (one of the part's) and the bytes, and seals name and content.
    pub(crate) fn check(
        core: &Core,
        part: FilePart,
        upload: Upload,
    ) -> Result<SealedDocument, UploadError> {
        let kind = upload.kind.trim();
        let kind_fits = core
            .reference
            .vocabulary(KINDS)
            .and_then(|v| v.terms.iter().find(|term| term.code == kind))
            .is_some_and(|term| term.group.as_deref() == Some(part.code()));
        if !kind_fits {
            return Err(UploadError::Kind);
        }
        let found = check_upload(&upload.bytes).map_err(UploadError::File)?;
        let id = uuid::Uuid::now_v7().to_string();
        let name = if upload.name.trim().is_empty() {
            format!("document.{}", found.extension())
        } else {
            upload.name
        };
        let seal = |bytes: &[u8], column: &str| {
            core.keyring
                .seal(bytes, &sealed_aad("documents", column, &id))
        };
        Ok(SealedDocument {
            name: seal(name.as_bytes(), "name")?,
            content: seal(&upload.bytes, "content")?,
            part,
            kind: kind.to_owned(),
            content_type: found.content_type(),
            size: i64::try_from(upload.bytes.len()).unwrap_or(i64::MAX),
            id,
        })
    }

    /// Stores the document on `case` with its audit entry, in the caller's transaction.
    pub(crate) async fn insert(
        &self,
        tx: &mut Tx<'_>,
        who: &Who,
        case: &CaseRecord,
        at_ms: i64,
    ) -> Result<(), CoreError> {
        let row = NewDocument {
            id: &self.id,
            case_id: &case.id,
            territory: &case.territory,
            part: self.part.code(),
            kind: &self.kind,
            content_type: self.content_type,
            size: self.size,
            name: &self.name,
            content: &self.content,
            by: &who.audit_name,
            at_ms,
        };
        tx.insert_document(&row).await?;
        tx.audit(who.audit(
            at_ms,
            "case.document_added",
            ("case", &case.id),
            &case.territory,
            json!({"document": self.id, "part": self.part.code(), "kind": self.kind, "size": self.size}),
        ))
        .await?;
        Ok(())
    }
}

/// A document's content, opened for a reader of its part.
pub struct Download {
    pub info: DocumentInfo,
    pub content: Vec<u8>,
}

impl Download {
    /// The extension of its type, for the name it is served under.
    pub fn extension(&self) -> &'static str {
        match self.info.content_type.as_str() {
            "application/pdf" => "pdf",
            "image/png" => "png",
            _ => "jpg",
        }
    }
}

/// Opens a document of a case for a reader of its part; the read is audited.
pub async fn download(
    core: &Core,
    permit: &Permit<act::ReadCase>,
    case_id: &str,
    document_id: &str,
) -> Result<Download, CaseError> {
    let info = core
        .store
        .document_info(document_id)
        .await?
        .ok_or(CoreError::NotFound)?;
    let part: FilePart = info
        .part
        .parse()
        .map_err(|_| CoreError::internal("a document has an unknown part"))?;
    if info.case_id != case_id {
        return Err(CoreError::NotFound.into());
    }
    let who = permit.who();
    let case = core
        .case_for(who, case_id, Action::ReadFile(part), Use::Read)
        .await?;
    let entry = who.audit(
        core.now_ms(),
        "case.document_read",
        ("case", &case.id),
        &case.territory,
        json!({"document": info.id}),
    );
    Ok(opened_document(core, info, entry).await?)
}

/// A document's content opened for a reader already allowed, the read audited with
/// `entry` before it is answered.
pub(crate) async fn opened_document(
    core: &Core,
    info: DocumentInfo,
    entry: awladna_store::audit::AuditEntry,
) -> Result<Download, CoreError> {
    let sealed = core
        .store
        .document_content(&info.id)
        .await?
        .ok_or_else(|| CoreError::internal("a listed document has no content"))?;
    let content = core
        .keyring
        .open(&sealed, &sealed_aad("documents", "content", &info.id))?
        .to_vec();
    core.audit_alone(entry).await?;
    Ok(Download { info, content })
}
