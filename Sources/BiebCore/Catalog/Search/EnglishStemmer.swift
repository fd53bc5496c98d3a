import Foundation

/// The English ("Porter2") stemming algorithm as published by the Snowball
/// project (version 3.1): "libraries" → "librari", "library" → "librari",
/// "running" → "run". Input is one lower-case word.
public enum EnglishStemmer {
    typealias Word = [Unicode.Scalar]
    static let vowels: Set<Unicode.Scalar> = ["a", "e", "i", "o", "u", "y"]
    static let validLI: Set<Unicode.Scalar> = ["c", "d", "e", "g", "h", "k", "m", "n", "r", "t"]

    static let exceptions1: [String: String] = [
        "skis": "ski", "skies": "sky", "idly": "idl", "gently": "gentl", "ugly": "ugli", "early": "earli", "only": "onli",
        "singly": "singl", "sky": "sky", "news": "news", "howe": "howe", "atlas": "atlas", "cosmos": "cosmos", "bias": "bias",
        "andes": "andes",
    ]
    /// Prefixes that end R1 early.
    static let regionPrefixes = ["arsen", "commun", "emerg", "gener", "inter", "later", "organ", "past", "univers"]

    public static func stem(_ word: String) -> String {
        if let special = exceptions1[word] { return special }
        var w = Word(word.unicodeScalars)
        guard w.count >= 3 else { return word }
        // Prelude.
        if w.first == "'" { w.removeFirst() }
        if w.first == "y" { w[0] = "Y" }
        if w.count > 1 {
            for i in 1..<w.count where w[i] == "y" && vowels.contains(w[i - 1]) { w[i] = "Y" }
        }
        let (p1, p2) = regions(w)

        func isV(_ i: Int) -> Bool { i >= 0 && i < w.count && vowels.contains(w[i]) }
        func ends(_ suffix: String) -> Bool {
            let s = suffix.unicodeScalars
            guard w.count >= s.count else { return false }
            var i = w.count - s.count
            for scalar in s {
                if w[i] != scalar { return false }
                i += 1
            }
            return true
        }
        func longest(_ suffixes: [String]) -> String? {
            var best: String?
            for suffix in suffixes where (best == nil || suffix.unicodeScalars.count > best!.unicodeScalars.count) && ends(suffix) {
                best = suffix
            }
            return best
        }
        /// A short syllable ending just before `end`: non-vowel (not w, x, Y),
        /// vowel, non-vowel; or, at the start of the word, vowel and
        /// non-vowel; or "past".
        func shortSyllable(endingAt end: Int) -> Bool {
            if end >= 4, w[end - 4] == "p", w[end - 3] == "a", w[end - 2] == "s", w[end - 1] == "t" { return true }
            let a = end - 1, b = end - 2
            guard b >= 0, !isV(a), isV(b) else { return false }
            if b == 0 { return true }
            return !["w", "x", "Y"].contains(w[a]) && !isV(b - 1)
        }
        func replace(_ suffix: String, with replacement: String) {
            w.removeLast(suffix.unicodeScalars.count)
            w.append(contentsOf: replacement.unicodeScalars)
        }

        // Step 1a.
        if let s = longest(["'", "'s", "'s'"]) { w.removeLast(s.unicodeScalars.count) }
        if let s = longest(["sses", "ied", "ies", "s", "us", "ss"]) {
            switch s {
            case "sses": replace(s, with: "ss")
            case "ied", "ies": replace(s, with: w.count - s.count > 1 ? "i" : "ie")
            case "s":
                // Delete if a vowel stands before the letter preceding the s.
                let before = w.count - 2
                if before >= 1, (0..<before).contains(where: isV) { w.removeLast() }
            default: break
            }
        }
        // Step 1b.
        step1b: if let s = longest(["eed", "eedly", "ed", "edly", "ing", "ingly"]) {
            let start = w.count - s.count
            var stemView = String.UnicodeScalarView()
            stemView.append(contentsOf: w[..<start])
            let stem = String(stemView)
            if s == "eed" || s == "eedly" {
                if start >= p1, !["succ", "proc", "exc"].contains(stem) { replace(s, with: "ee") }
                break step1b
            }
            if s == "ing" {
                // "dying" → "die"; "inning", "outing", … stay as they are.
                if stem.count == 2, stem.last == "y", !isV(0) {
                    w.removeSubrange(1...)
                    w.append(contentsOf: "ie".unicodeScalars)
                    break step1b
                }
                if ["even", "cann", "inn", "earr", "herr", "out"].contains(stem) { break step1b }
            }
            guard (0..<start).contains(where: isV) else { break step1b }
            w.removeLast(s.count)
            if ends("at") || ends("bl") || ends("iz") {
                w.append("e")
            } else if let last = w.last, w.count >= 2, w[w.count - 2] == last, "bdfgmnprt".unicodeScalars.contains(last) {
                // Undouble, except a short word like "add", "err": one of a, e, o then the double at the start.
                let aeoAtStart = w.count == 3 && "aeo".unicodeScalars.contains(w[0])
                if !aeoAtStart { w.removeLast() }
            } else if w.count == p1, shortSyllable(endingAt: w.count) {
                w.append("e")
            }
        }

        // Step 1c.
        if let last = w.last, last == "y" || last == "Y", w.count >= 3, !isV(w.count - 2) {
            w[w.count - 1] = "i"
        }

        // Step 2.
        let step2: [(String, String)] = [
            ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("abli", "able"), ("entli", "ent"),
            ("izer", "ize"), ("ization", "ize"), ("ational", "ate"), ("ation", "ate"), ("ator", "ate"),
            ("alism", "al"), ("aliti", "al"), ("alli", "al"), ("fulness", "ful"), ("ousli", "ous"), ("ousness", "ous"),
            ("iveness", "ive"), ("iviti", "ive"), ("biliti", "ble"), ("bli", "ble"), ("ogi", "og"), ("fulli", "ful"),
            ("lessli", "less"), ("li", ""), ("ogist", "og"),
        ]
        if let s = longest(step2.map(\.0)), w.count - s.count >= p1 {
            let start = w.count - s.count
            switch s {
            case "ogi": if start >= 1, w[start - 1] == "l" { replace(s, with: "og") }
            case "li": if start >= 1, validLI.contains(w[start - 1]) { w.removeLast(2) }
            default: replace(s, with: step2.first { $0.0 == s }!.1)
            }
        }

        // Step 3.
        let step3: [(String, String)] = [
            ("tional", "tion"), ("ational", "ate"), ("alize", "al"), ("icate", "ic"), ("iciti", "ic"), ("ical", "ic"),
            ("ful", ""), ("ness", ""), ("ative", ""),
        ]
        if let s = longest(step3.map(\.0)), w.count - s.count >= p1 {
            if s == "ative" {
                if w.count - s.count >= p2 { w.removeLast(s.count) }
            } else {
                replace(s, with: step3.first { $0.0 == s }!.1)
            }
        }

        // Step 4.
        let step4 = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ism", "ate", "iti",
                     "ous", "ive", "ize", "ion"]
        if let s = longest(step4), w.count - s.count >= p2 {
            let start = w.count - s.count
            if s == "ion" {
                if start >= 1, w[start - 1] == "s" || w[start - 1] == "t" { w.removeLast(3) }
            } else {
                w.removeLast(s.count)
            }
        }

        // Step 5.
        if ends("e") {
            let start = w.count - 1
            if start >= p2 || (start >= p1 && !shortSyllable(endingAt: start)) { w.removeLast() }
        } else if ends("l") {
            let start = w.count - 1
            if start >= p2, start >= 1, w[start - 1] == "l" { w.removeLast() }
        }
        return postlude(w)
    }

    static func postlude(_ w: Word) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: w.lazy.map { $0 == "Y" ? "y" : $0 })
        return String(view)
    }

    static func regions(_ w: Word) -> (Int, Int) {
        let limit = w.count
        func after(_ from: Int) -> Int? { SnowballRegions.start(after: from, in: w, vowels: vowels) }
        var p1: Int
        if let prefix = regionPrefixes.filter({ w.starts(with: $0.unicodeScalars) }).max(by: { $0.count < $1.count }) {
            p1 = prefix.count
        } else if let found = after(0) {
            p1 = found
        } else {
            return (limit, limit)
        }
        p1 = min(p1, limit)
        let p2 = after(p1) ?? limit
        return (p1, p2)
    }
}
