//! Score thresholds for verdicts, as the server is configured (whoami
//! `configuration.submission.verdicts`), and the verdicts the server can emit.

use serde::{Deserialize, Serialize};

use super::api::Verdict;

/// Minimum score of each verdict. Defaults are assemblyline-base `odm/models/config.py`
/// `DEFAULT_VERDICTS`; a server may change them, and whoami reports its own
/// (assemblyline-ui `api/v4/user.py`, `who_am_i`: `configuration.submission.verdicts`).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct VerdictThresholds {
    pub info: i64,
    pub suspicious: i64,
    pub highly_suspicious: i64,
    pub malicious: i64,
}

impl Default for VerdictThresholds {
    fn default() -> Self {
        VerdictThresholds {
            info: 0,
            suspicious: 300,
            highly_suspicious: 700,
            malicious: 1000,
        }
    }
}

/// The verdicts a summary tag (and so an IoC) can carry, best first.
pub const EMITTED: [Verdict; 4] = [
    Verdict::Safe,
    Verdict::Info,
    Verdict::Suspicious,
    Verdict::Malicious,
];

impl VerdictThresholds {
    /// The verdict of a heuristic's score, as the summary gives its tags one: malicious,
    /// suspicious, info or safe — there is no "highly suspicious" step (assemblyline-base
    /// `datastore/helper.py`, `get_summary_from_keys`, `h_type`).
    pub fn verdict(&self, score: i64) -> Verdict {
        match self.score_verdict(score) {
            Verdict::HighlySuspicious => Verdict::Suspicious,
            verdict => verdict,
        }
    }

    /// The verdict the official UI shows for a file's or a submission's score: unlike the
    /// summary's tags, it has a "highly suspicious" step (assemblyline-ui-frontend
    /// `src/components/hooks/useMyUser.tsx`, `scoreToVerdict`).
    pub fn score_verdict(&self, score: i64) -> Verdict {
        if score >= self.malicious {
            Verdict::Malicious
        } else if score >= self.highly_suspicious {
            Verdict::HighlySuspicious
        } else if score >= self.suspicious {
            Verdict::Suspicious
        } else if score >= self.info {
            Verdict::Info
        } else {
            Verdict::Safe
        }
    }
}

/// A verdict as the official UI names it on its chips and their tooltips
/// (assemblyline-ui-frontend `src/locales/en/translation.json`, `verdict.*`).
pub fn verdict_label(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Safe => "Safe",
        Verdict::Info => "Informative",
        Verdict::Suspicious => "Suspicious",
        Verdict::HighlySuspicious => "Highly Suspicious",
        Verdict::Malicious => "Malicious",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_servers() {
        let t = VerdictThresholds::default();
        assert_eq!(t.verdict(1000), Verdict::Malicious);
        assert_eq!(t.verdict(999), Verdict::Suspicious);
        assert_eq!(
            t.verdict(700),
            Verdict::Suspicious,
            "no highly suspicious step"
        );
        assert_eq!(t.verdict(300), Verdict::Suspicious);
        assert_eq!(t.verdict(0), Verdict::Info);
        assert_eq!(t.verdict(-1), Verdict::Safe);
    }

    #[test]
    fn a_server_configuration_moves_the_steps() {
        let t: VerdictThresholds = serde_json::from_str(
            r#"{"info": 10, "suspicious": 500, "highly_suspicious": 800, "malicious": 2000}"#,
        )
        .unwrap();
        assert_eq!(t.verdict(1000), Verdict::Suspicious);
        assert_eq!(t.verdict(2000), Verdict::Malicious);
        assert_eq!(t.verdict(5), Verdict::Safe);
        // A partial block keeps the defaults for what it leaves out.
        let t: VerdictThresholds = serde_json::from_str(r#"{"malicious": 5000}"#).unwrap();
        assert_eq!(t.suspicious, 300);
        assert_eq!(t.verdict(1000), Verdict::Suspicious);
    }

    #[test]
    fn a_score_has_the_official_uis_five_steps() {
        let t = VerdictThresholds::default();
        assert_eq!(t.score_verdict(7000), Verdict::Malicious);
        assert_eq!(t.score_verdict(1000), Verdict::Malicious);
        assert_eq!(t.score_verdict(999), Verdict::HighlySuspicious);
        assert_eq!(t.score_verdict(700), Verdict::HighlySuspicious);
        assert_eq!(t.score_verdict(699), Verdict::Suspicious);
        assert_eq!(t.score_verdict(300), Verdict::Suspicious);
        assert_eq!(t.score_verdict(299), Verdict::Info);
        assert_eq!(t.score_verdict(0), Verdict::Info);
        assert_eq!(t.score_verdict(-1000), Verdict::Safe);
        // The server's own steps move the chips too.
        let t = VerdictThresholds {
            malicious: 5000,
            ..VerdictThresholds::default()
        };
        assert_eq!(t.score_verdict(2000), Verdict::HighlySuspicious);
        assert_eq!(verdict_label(t.score_verdict(5000)), "Malicious");
        assert_eq!(verdict_label(Verdict::Info), "Informative");
    }

    #[test]
    fn highly_suspicious_is_never_emitted() {
        assert!(!EMITTED.contains(&Verdict::HighlySuspicious));
    }
}
