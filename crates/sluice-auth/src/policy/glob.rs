//! Wildcard matching as IAM policies use it: `*` matches any run of characters (also
//! none), `?` exactly one. Actions compare without regard to case; resources and
//! `StringLike` values compare exactly. ARNs match one colon-separated segment at a time,
//! so a `*` in the region segment cannot swallow the account.

/// Matches `text` against `pattern`; `ignore_case` folds ASCII and Unicode case.
pub fn matches(pattern: &str, text: &str, ignore_case: bool) -> bool {
    if ignore_case {
        let p: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
        let t: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
        matches_chars(&p, &t)
    } else {
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.chars().collect();
        matches_chars(&p, &t)
    }
}

/// Iterative matcher with one backtrack point: linear in practice and never recursive,
/// so a hostile pattern like `*a*a*a*b` cannot blow the stack.
fn matches_chars(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// Number of colon-separated parts in an ARN: `arn:partition:service:region:account:resource`.
/// The resource part may itself contain colons, so splitting stops after five.
const ARN_SEGMENTS: usize = 6;

/// Matches an ARN against an ARN pattern segment by segment (ArnLike, Resource). A bare
/// `*` matches every resource, as IAM allows in the Resource element.
pub fn arn_matches(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let pattern_parts: Vec<&str> = pattern.splitn(ARN_SEGMENTS, ':').collect();
    let arn_parts: Vec<&str> = arn.splitn(ARN_SEGMENTS, ':').collect();
    if pattern_parts.len() != ARN_SEGMENTS || arn_parts.len() != ARN_SEGMENTS {
        return false;
    }
    pattern_parts
        .iter()
        .zip(&arn_parts)
        .all(|(p, a)| matches(p, a, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_and_question_mark() {
        assert!(matches("sqs:Send*", "sqs:SendMessage", false));
        assert!(matches("sqs:*", "sqs:", false));
        assert!(matches("sqs:?endMessage", "sqs:SendMessage", false));
        assert!(!matches("sqs:?endMessage", "sqs:endMessage", false));
        assert!(!matches("sqs:Send*", "sqs:ReceiveMessage", false));
        assert!(matches("*a*b", "xxaxxab", false));
        assert!(!matches("*a*b", "xxaxxa", false));
    }

    #[test]
    fn case_folding_is_optional() {
        assert!(matches("SQS:SENDMESSAGE", "sqs:SendMessage", true));
        assert!(!matches("SQS:SENDMESSAGE", "sqs:SendMessage", false));
    }

    #[test]
    fn arn_wildcards_stay_inside_their_segment() {
        let q = "arn:aws:sqs:us-east-2:444455556666:queue1";
        assert!(arn_matches("arn:aws:sqs:*:444455556666:queue1", q));
        assert!(arn_matches("arn:aws:sqs:us-east-2:444455556666:*", q));
        assert!(arn_matches("*", q));
        assert!(!arn_matches("arn:aws:sqs:*:111122223333:queue1", q));
        // A star in the region cannot reach across the colon into the account.
        assert!(!arn_matches("arn:aws:sqs:*:queue1", q));
        assert!(!arn_matches("arn:aws:sqs:us-east-2:444455556666:queue", q));
    }

    /// Obvious recursive definition, to check the iterative matcher against.
    fn reference(p: &[char], t: &[char]) -> bool {
        match (p.first(), t.first()) {
            (None, None) => true,
            (Some('*'), _) => reference(&p[1..], t) || (!t.is_empty() && reference(p, &t[1..])),
            (Some('?'), Some(_)) => reference(&p[1..], &t[1..]),
            (Some(a), Some(b)) if a == b => reference(&p[1..], &t[1..]),
            _ => false,
        }
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_reference(pattern in "[ab*?]{0,8}", text in "[ab]{0,10}") {
            let p: Vec<char> = pattern.chars().collect();
            let t: Vec<char> = text.chars().collect();
            proptest::prop_assert_eq!(matches(&pattern, &text, false), reference(&p, &t));
        }
    }
}
