//! The optional mail that tells a service a linking card waits for it. It carries no
//! personal data — no name, no reason, not even the case number — only a link that
//! asks for sign-in. Sent after the card is committed, in the background: a slow or
//! absent mail server never delays nor fails the referral.

use awladna_core::Core;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Where and how mail leaves.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The address users reach Awladna at, for the link (e.g. `https://awladna.sale.ma`).
    public_url: String,
}

impl Mailer {
    /// `smtp_url` as lettre reads it: `smtp://user:password@host:587?tls=required`,
    /// `smtps://host:465`, or `smtp://host:25` on a trusted network.
    pub fn new(smtp_url: &str, from: &str, public_url: &str) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url)
            .map_err(|_| {
                "the SMTP address is not one lettre understands (smtp://user:password@host:port)"
                    .to_owned()
            })?
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|_| format!("\"{from}\" is not a mail address to send from"))?;
        Ok(Mailer {
            transport,
            from,
            public_url: public_url.trim_end_matches('/').to_owned(),
        })
    }
}

/// The mail's subject and body: Arabic then French, the link, nothing else.
fn text(link: &str) -> (String, String) {
    (
        "أولادنا: بطاقة ربط جديدة — Awladna : nouvelle fiche de liaison".to_owned(),
        format!(
            "بطاقة ربط جديدة في انتظار جواب مصلحتكم. افتحوها في أولادنا بعد تسجيل الدخول:\n{link}\n\n\
             Une fiche de liaison attend la réponse de votre service. Ouvrez-la dans Awladna après connexion :\n{link}\n"
        ),
    )
}

impl Mailer {
    /// Mails the contact points of `org` that have an address, in the background.
    /// Failures are logged without any address or content.
    pub fn new_referral(&self, core: Core, org: &str, referral_id: &str) {
        let (mailer, org) = (self.clone(), org.to_owned());
        let link = format!("{}/referrals/{referral_id}", mailer.public_url);
        tokio::spawn(async move {
            let addresses = match awladna_core::referrals::contact_addresses(&core, &org).await {
                Ok(addresses) => addresses,
                Err(e) => {
                    tracing::warn!(error = %e.detail(), "the directory could not be read for a mail");
                    return;
                }
            };
            let (subject, body) = text(&link);
            for to in addresses.iter().filter_map(|a| a.parse::<Mailbox>().ok()) {
                if let Err(reason) = mailer.send(to, &subject, &body).await {
                    tracing::warn!(organisation = %org, reason, "a linking card's mail was not sent");
                }
            }
        });
    }

    /// Mails the people convened to a committee meeting a link to it, in the background.
    /// Failures are logged without any address.
    pub fn convocation(&self, addresses: Vec<String>, meeting_id: &str) {
        let mailer = self.clone();
        let link = format!("{}/meetings/{meeting_id}", mailer.public_url);
        tokio::spawn(async move {
            let subject = "أولادنا: دعوة لحضور اجتماع اللجنة الإقليمية — Awladna : convocation du comité provincial";
            let body = format!(
                "تدعوكم سكرتارية اللجنة الإقليمية لحماية الطفولة إلى اجتماع. جدول الأعمال في أولادنا بعد تسجيل الدخول:\n{link}\n\n\
                 Le secrétariat du comité provincial de protection de l'enfance vous convoque à une réunion. L'ordre du jour est dans Awladna après connexion :\n{link}\n"
            );
            for to in addresses.iter().filter_map(|a| a.parse::<Mailbox>().ok()) {
                if let Err(reason) = mailer.send(to, subject, &body).await {
                    tracing::warn!(reason, "a convocation's mail was not sent");
                }
            }
        });
    }

    async fn send(&self, to: Mailbox, subject: &str, body: &str) -> Result<(), &'static str> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .body(body.to_owned())
            .map_err(|_| "the message could not be built")?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            // The server's answer may quote the address: only its kind is logged.
            .map_err(|e| {
                if e.is_permanent() {
                    "refused by the mail server"
                } else {
                    "mail server unreachable or busy"
                }
            })
    }
}
