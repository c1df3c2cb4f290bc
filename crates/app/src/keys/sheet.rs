//! The master key's recovery sheet: the key as a few typed lines and a QR code, on a page
//! to print and keep in a safe; and the way back, from the lines typed again (or the QR
//! code's text pasted) to a key file.
//!
//! The block on the sheet is the key file's header line, the key's base64 in groups of
//! four, and a check line: the first 8 hex digits of the SHA-256 of the base64 text, so
//! that a mistyped character (O for 0, l for 1) is caught before the key is used.

use anyhow::{Context, anyhow, bail};
use awladna_crypto::MasterKey;
use awladna_crypto::Zeroizing;
use awladna_crypto::keys::MASTER_KEY_HEADER;
use awladna_domain::Clock;
use sha2::{Digest, Sha256};
use std::path::Path;

const GROUP: usize = 4;
const GROUPS_PER_LINE: usize = 4;

/// The key's base64 line from a key file's text.
fn key_line(file_text: &str) -> anyhow::Result<&str> {
    file_text
        .lines()
        .skip(1)
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or_else(|| anyhow!("the master key file holds no key"))
}

fn check_code(base64: &str) -> String {
    let digest = Sha256::digest(base64.as_bytes());
    let hex = awladna_store::sealer::hex(&digest[..4]);
    format!("{}-{}", &hex[..4], &hex[4..])
}

/// The block to type back: header, the key in groups, the check line.
pub fn block(key: &MasterKey) -> anyhow::Result<Zeroizing<String>> {
    let text = key.to_file_text();
    let line = key_line(&text)?;
    let chars: Vec<char> = line.chars().collect();
    let mut out = Zeroizing::new(format!("{MASTER_KEY_HEADER}\n"));
    for row in chars.chunks(GROUP * GROUPS_PER_LINE) {
        let groups: Vec<String> = row.chunks(GROUP).map(|g| g.iter().collect()).collect();
        out.push_str(&groups.join(" "));
        out.push('\n');
    }
    out.push_str(&format!("check {}\n", check_code(line)));
    Ok(out)
}

/// The master key from a block typed back (spaces, line breaks and letter case of the
/// header and check line do not matter; the key's own letters do).
pub fn from_typed(typed: &str) -> anyhow::Result<MasterKey> {
    let mut base64 = Zeroizing::new(String::new());
    let mut expected = None;
    for line in typed.lines().map(str::trim) {
        let lower = line.to_ascii_lowercase();
        if line.is_empty() || line.starts_with('#') || lower == MASTER_KEY_HEADER {
            continue;
        }
        if let Some(code) = lower.strip_prefix("check") {
            expected = Some(code.split_whitespace().collect::<String>());
            continue;
        }
        base64.extend(line.chars().filter(|c| !c.is_whitespace()));
    }
    let Some(expected) = expected else {
        bail!(
            "type the sheet's last line too (check xxxx-xxxx): it proves that every character was typed right"
        );
    };
    if check_code(&base64) != expected {
        bail!(
            "the typed key does not match its check line: a character was mistyped (compare O and 0, l, I and 1, and capitals); nothing was written"
        );
    }
    let text = Zeroizing::new(format!("{MASTER_KEY_HEADER}\n{}\n", base64.as_str()));
    MasterKey::from_file_text(&text).map_err(|e| anyhow!("{e}: compare each line with the sheet"))
}

/// The printable page: instructions in Arabic, French and English, the block, its QR code.
pub fn page(key: &MasterKey, made_on: &str) -> anyhow::Result<Zeroizing<String>> {
    let block = block(key)?;
    let qr = Zeroizing::new(
        awladna_crypto::totp::qr_svg(&block)
            .map_err(|e| anyhow!("cannot draw the QR code: {e}"))?,
    );
    Ok(Zeroizing::new(format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Awladna master key recovery sheet</title>
<style>body{{font-family:sans-serif;max-width:46em;margin:2em auto}}pre{{font-family:"DejaVu Sans Mono","Courier New",monospace;font-size:1.4em;letter-spacing:.1em;border:1px solid #000;padding:.6em}}.qr svg{{width:6cm;height:6cm}}[lang=ar]{{direction:rtl}}</style>
</head><body>
<h1>Awladna — master key recovery sheet</h1>
<p>Made on {made_on}. <strong>Secret.</strong> Keep this sheet in a locked safe, apart from the backups of the database. Whoever holds it and a backup can read the children's identities; without it, nobody can, not even the team that runs Awladna.</p>
<pre>{block}</pre>
<div class="qr">{qr}</div>
<h2>To bring the key back</h2>
<p>Run <code>awladna keys import-sheet --to master.key</code>, type the lines in the box above (or paste the text of the QR code), then press Ctrl-D. The check line catches a mistyped character. Then start the server with the restored database and this key file.</p>
<div lang="fr"><h2>Feuille de secours de la clé maîtresse</h2>
<p><strong>Secret.</strong> Gardez cette feuille dans un coffre fermé, à part des sauvegardes de la base. Qui la détient avec une sauvegarde peut lire l'identité des enfants ; sans elle, personne ne le peut. Pour retrouver la clé : <code>awladna keys import-sheet --to master.key</code>, tapez les lignes du cadre (ou collez le texte du code QR), puis Ctrl-D.</p></div>
<div lang="ar"><h2>ورقة استرجاع المفتاح الرئيسي</h2>
<p><strong>سرّي.</strong> احفظوا هذه الورقة في خزنة مغلقة، بعيدا عن النسخ الاحتياطية لقاعدة البيانات. من يملكها مع نسخة احتياطية يستطيع قراءة هويات الأطفال، وبدونها لا يستطيع أحد ذلك. لاسترجاع المفتاح: <code dir="ltr">awladna keys import-sheet --to master.key</code> ثم اكتبوا الأسطر الموجودة في الإطار (أو الصقوا نص رمز QR) ثم Ctrl-D.</p></div>
</body></html>
"#,
        block = block.as_str(),
        qr = qr.as_str(),
    )))
}

/// `keys export-sheet`: the sheet of the master key file at `key_file`, as text on the
/// terminal, or as a printable page written to the new file `to` (mode 0600).
pub fn export(key_file: &Path, to: Option<&Path>, clock: &dyn Clock) -> anyhow::Result<()> {
    let key = MasterKey::load_file(key_file)?;
    let made_on = clock.now().strftime("%Y-%m-%d").to_string();
    match to {
        Some(to) => {
            let page = page(&key, &made_on)?;
            let mut file = crate::private_files::new_private_file(to).with_context(|| {
                format!("cannot create {} (it must not exist yet)", to.display())
            })?;
            std::io::Write::write_all(&mut file, page.as_bytes())?;
            file.sync_all()?;
            println!(
                "The recovery sheet of {} is in {}: open it in a browser, print it, put the paper in a safe, then delete the file.",
                key_file.display(),
                to.display()
            );
        }
        None => {
            println!(
                "Awladna master key recovery sheet ({made_on}). Secret: keep it in a safe, apart from the backups."
            );
            println!(
                "To bring the key back: awladna keys import-sheet --to master.key, type these lines, then Ctrl-D.\n"
            );
            print!("{}", block(&key)?.as_str());
            println!(
                "\nFor a page with a QR code to print: awladna keys export-sheet --to sheet.html"
            );
        }
    }
    Ok(())
}

/// `keys import-sheet`: writes the key typed back (from `typed`) to the new file `to`.
pub fn import(typed: &str, to: &Path) -> anyhow::Result<()> {
    let key = from_typed(typed)?;
    if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        crate::private_files::private_dir(parent)?;
    }
    key.write_new_file(to)?;
    println!(
        "The master key was written to {} (readable by this account only). Start the server with --master-key-file {} (or keep it as master.key in the data directory).",
        to.display(),
        to.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_typed_sheet_gives_the_same_key_and_a_typo_is_caught() {
        let key = MasterKey::generate();
        let sheet = block(&key).unwrap();
        let back = from_typed(&sheet).unwrap();
        assert_eq!(back.to_file_text(), key.to_file_text());

        let sloppy = sheet
            .replace(MASTER_KEY_HEADER, "  AWLADNA-MASTER-KEY-V1")
            .replace(' ', "  ")
            .replace("check ", "CHECK ");
        assert_eq!(
            from_typed(&sloppy).unwrap().to_file_text(),
            key.to_file_text()
        );

        let line = sheet.lines().nth(1).unwrap().to_owned();
        let first = line.chars().next().unwrap();
        let other = if first == 'A' { 'B' } else { 'A' };
        let typo = sheet.replacen(&line, &format!("{other}{}", &line[1..]), 1);
        let error = from_typed(&typo).unwrap_err().to_string();
        assert!(error.contains("mistyped"), "{error}");

        let without_check: String = sheet
            .lines()
            .filter(|l| !l.starts_with("check"))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            from_typed(&without_check)
                .unwrap_err()
                .to_string()
                .contains("check")
        );
    }

    #[test]
    fn the_page_holds_the_block_and_a_qr_code() {
        let key = MasterKey::generate();
        let page = page(&key, "2026-12-05").unwrap();
        assert!(page.contains(block(&key).unwrap().as_str()));
        assert!(page.contains("<svg"));
    }
}
