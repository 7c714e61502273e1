//! The messages, each with a plain-text and an HTML part. Every message names the server (its
//! `SITE_NAME` and address) and carries at most one secret: the one link (or, for an admin
//! reset, the temporary password). Nothing else a reader could use to get into the account.

use std::time::Duration;

use crate::error::duration_words;

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Who sends: the server's name and address, named in every message.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    pub name: &'a str,
    pub url: &'a str,
}

/// `&`, `<`, `>`, `"` and `'` as HTML entities.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One message made of paragraphs and at most one action (a link with its label).
struct Letter<'a> {
    site: Site<'a>,
    subject: String,
    greeting: String,
    paragraphs: Vec<String>,
    action: Option<(&'a str, &'a str)>,
    after: Vec<String>,
}

impl Letter<'_> {
    fn render(self) -> Rendered {
        let footer = format!(
            "This message was sent by {} ({}). You can not reply to it.",
            self.site.name, self.site.url
        );
        let mut text = format!("{}\n\n", self.greeting);
        let mut html = format!(
            "<!doctype html><html><body style=\"font-family:sans-serif;line-height:1.5\">\
             <p>{}</p>",
            escape(&self.greeting)
        );
        for p in &self.paragraphs {
            text.push_str(p);
            text.push_str("\n\n");
            html.push_str(&format!("<p>{}</p>", escape(p)));
        }
        if let Some((label, link)) = self.action {
            text.push_str(&format!("{label}:\n{link}\n\n"));
            html.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p><p style=\"font-size:small\">{}</p>",
                escape(link),
                escape(label),
                escape(link)
            ));
        }
        for p in &self.after {
            text.push_str(p);
            text.push_str("\n\n");
            html.push_str(&format!("<p>{}</p>", escape(p)));
        }
        text.push_str(&format!("-- \n{footer}\n"));
        html.push_str(&format!(
            "<hr><p style=\"font-size:small;color:#555\">{}</p></body></html>",
            escape(&footer)
        ));
        Rendered {
            subject: format!("[{}] {}", self.site.name, self.subject),
            text,
            html,
        }
    }
}

fn hello(username: &str) -> String {
    format!("Hello {username},")
}

pub fn password_reset(site: Site<'_>, username: &str, link: &str, ttl: Duration) -> Rendered {
    Letter {
        site,
        subject: "Reset your password".into(),
        greeting: hello(username),
        paragraphs: vec![format!(
            "someone (we hope you) asked to reset the password of your account on {}. \
             The link below works once, for {}.",
            site.name,
            duration_words(ttl)
        )],
        action: Some(("Choose a new password", link)),
        after: vec![
            "Setting a new password logs you out everywhere and revokes your API tokens.".into(),
            "If you did not ask for this, ignore this message: your password stays as it is."
                .into(),
        ],
    }
    .render()
}

pub fn verify_email(site: Site<'_>, username: &str, link: &str, ttl: Duration) -> Rendered {
    Letter {
        site,
        subject: "Confirm your e-mail address".into(),
        greeting: hello(username),
        paragraphs: vec![format!(
            "please confirm that this address belongs to your account on {}. The link works \
             once, for {}.",
            site.name,
            duration_words(ttl)
        )],
        action: Some(("Confirm this address", link)),
        after: vec!["If you did not create an account, ignore this message.".into()],
    }
    .render()
}

pub fn confirm_email_change(site: Site<'_>, username: &str, link: &str, ttl: Duration) -> Rendered {
    Letter {
        site,
        subject: "Confirm your new e-mail address".into(),
        greeting: hello(username),
        paragraphs: vec![format!(
            "you asked to use this address for your account on {}. Until you confirm, your \
             old address stays in use. The link works once, for {}.",
            site.name,
            duration_words(ttl)
        )],
        action: Some(("Use this address", link)),
        after: vec!["If you did not ask for this, ignore this message.".into()],
    }
    .render()
}

pub fn email_changed(
    site: Site<'_>,
    username: &str,
    new_address: &str,
    undo: &str,
    ttl: Duration,
) -> Rendered {
    Letter {
        site,
        subject: "Your e-mail address was changed".into(),
        greeting: hello(username),
        paragraphs: vec![format!(
            "the e-mail address of your account on {} is now {new_address}. Messages go \
             there from now on.",
            site.name
        )],
        action: Some(("This was not me: undo the change", undo)),
        after: vec![format!(
            "The undo link works once, for {}. Undoing also logs everyone out of the account \
             and revokes its API tokens; then choose a new password with \"Forgot password?\".",
            duration_words(ttl)
        )],
    }
    .render()
}

pub fn temporary_password(
    site: Site<'_>,
    username: &str,
    password: &str,
    ttl: Duration,
) -> Rendered {
    Letter {
        site,
        subject: "Your password was reset by an administrator".into(),
        greeting: hello(username),
        paragraphs: vec![
            format!(
                "an administrator of {} reset your password. Log in within {} with this \
                 temporary password; you will be asked to choose your own at once:",
                site.name,
                duration_words(ttl)
            ),
            password.to_owned(),
            format!("Log in at {}", site.url),
        ],
        action: None,
        after: vec![
            "After that time the temporary password stops working; use \"Forgot password?\" \
             on the login page then."
                .into(),
        ],
    }
    .render()
}

pub fn account_locked(site: Site<'_>, username: &str, failures: u64, lock: Duration) -> Rendered {
    Letter {
        site,
        subject: "Your account was locked".into(),
        greeting: hello(username),
        paragraphs: vec![
            format!(
                "after {failures} failed logins, your account on {} is locked for {}.",
                site.name,
                duration_words(lock)
            ),
            "If these were not your attempts, someone may be guessing your password: choose \
             a strong new one with \"Forgot password?\" on the login page, or ask an \
             administrator."
                .into(),
        ],
        action: None,
        after: vec![],
    }
    .render()
}

pub fn suspicious_activity(site: Site<'_>, admin: &str, what: &str) -> Rendered {
    Letter {
        site,
        subject: "Security notice".into(),
        greeting: hello(admin),
        paragraphs: vec![
            format!("{} recorded a security event: {what}", site.name),
            "The audit log in the admin pages has the details.".into(),
        ],
        action: None,
        after: vec![
            "You get these notices as an administrator; turn them off under Profile, \
             E-mail notices."
                .into(),
        ],
    }
    .render()
}

pub fn new_admin(site: Site<'_>, admin: &str, who: &str, by: &str) -> Rendered {
    Letter {
        site,
        subject: "A new administrator".into(),
        greeting: hello(admin),
        paragraphs: vec![format!(
            "{who} is now an administrator of {}, made so by {by}.",
            site.name
        )],
        action: None,
        after: vec![
            "If this is unexpected, check the audit log. Turn these notices off under \
             Profile, E-mail notices."
                .into(),
        ],
    }
    .render()
}

pub fn panel_shared(
    site: Site<'_>,
    username: &str,
    by: &str,
    panel: &str,
    permission: &str,
) -> Rendered {
    Letter {
        site,
        subject: format!("{by} shared a panel with you"),
        greeting: hello(username),
        paragraphs: vec![
            format!(
                "{by} shared the panel \"{panel}\" with you on {} ({permission}).",
                site.name
            ),
            format!("Find it under Saved panels at {}", site.url),
        ],
        action: None,
        after: vec!["Turn these notices off under Profile, E-mail notices.".into()],
    }
    .render()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: Site<'static> = Site {
        name: "PanelMerge Leeds",
        url: "https://panels.example.org/",
    };

    #[test]
    fn every_message_names_the_server_in_both_parts() {
        let link = "https://panels.example.org/reset-password#token=abc";
        let all = [
            password_reset(SITE, "ada", link, Duration::from_secs(3600)),
            verify_email(SITE, "ada", link, Duration::from_secs(86400)),
            confirm_email_change(SITE, "ada", link, Duration::from_secs(86400)),
            email_changed(
                SITE,
                "ada",
                "new@example.org",
                link,
                Duration::from_secs(3600),
            ),
            temporary_password(SITE, "ada", "Tmp-123", Duration::from_secs(86400)),
            account_locked(SITE, "ada", 5, Duration::from_secs(900)),
            suspicious_activity(SITE, "root", "IP 192.0.2.1 blocked"),
            new_admin(SITE, "root", "bob", "carol"),
            panel_shared(SITE, "ada", "bob", "Cardiac <v2>", "VIEW"),
        ];
        for m in &all {
            assert!(
                m.subject.starts_with("[PanelMerge Leeds] "),
                "{}",
                m.subject
            );
            for part in [&m.text, &m.html] {
                assert!(part.contains("PanelMerge Leeds"), "{part}");
                assert!(part.contains("https://panels.example.org/"), "{part}");
            }
        }
        assert!(all[0].text.contains(link) && all[0].text.contains("1 hour"));
        assert!(all[8].html.contains("Cardiac &lt;v2&gt;"));
        assert!(!all[8].html.contains("<v2>"));
    }
}
