import Foundation

/// The Dutch stemming algorithm by Martin Porter, as published by the
/// Snowball project ("dutch_porter"): "fietsen" → "fiets", "aanbestedingen" →
/// "aanbested". Input is one lower-case word; accents on a, e, i, o, u are
/// removed as part of the algorithm.
public enum DutchStemmer {
    typealias Word = [Unicode.Scalar]
    static let vowels: Set<Unicode.Scalar> = ["a", "e", "i", "o", "u", "y", "è"]

    public static func stem(_ word: String) -> String {
        var w = Word(word.unicodeScalars)
        guard !w.isEmpty else { return word }
        prelude(&w)
        let (p1, p2) = regions(w)
        var eFound = false

        func isVowel(_ i: Int) -> Bool { i >= 0 && i < w.count && vowels.contains(w[i]) }
        func isNonVowel(_ i: Int) -> Bool { i >= 0 && i < w.count && !vowels.contains(w[i]) }
        func matches(_ text: String, endingAt end: Int) -> Bool {
            let s = text.unicodeScalars
            guard end >= s.count, end <= w.count else { return false }
            var i = end - s.count
            for scalar in s {
                if w[i] != scalar { return false }
                i += 1
            }
            return true
        }
        func ends(_ suffix: String) -> Bool { matches(suffix, endingAt: w.count) }
        func precededBy(_ text: String, at position: Int) -> Bool { matches(text, endingAt: position) }
        func undouble() {
            if ends("kk") || ends("dd") || ends("tt") { w.removeLast() }
        }
        func eEnding() {
            eFound = false
            guard ends("e") else { return }
            let start = w.count - 1
            guard start >= p1, isNonVowel(start - 1) else { return }
            w.removeLast()
            eFound = true
            undouble()
        }
        /// `en` or `ene` at `start`: R1, a non-vowel before, not "gem" before.
        @discardableResult
        func enEnding(_ start: Int) -> Bool {
            guard start >= p1, isNonVowel(start - 1), !precededBy("gem", at: start) else { return false }
            w.removeSubrange(start...)
            undouble()
            return true
        }

        // Step 1: heden / ene / en / se / s (longest match wins).
        if ends("heden") {
            let start = w.count - 5
            if start >= p1 { w.replaceSubrange(start..., with: Array("heid".unicodeScalars)) }
        } else if ends("ene") {
            enEnding(w.count - 3)
        } else if ends("en") {
            enEnding(w.count - 2)
        } else if ends("se") || ends("s") {
            let start = w.count - (ends("se") ? 2 : 1)
            if start >= p1, start >= 1, !vowels.contains(w[start - 1]), w[start - 1] != "j" {
                w.removeSubrange(start...)
            }
        }
        // Step 2.
        eEnding()
        // Step 3a: heid.
        if ends("heid") {
            let start = w.count - 4
            if start >= p2, !precededBy("c", at: start) {
                w.removeSubrange(start...)
                if ends("en") { enEnding(w.count - 2) }
            }
        }
        // Step 3b: end / ing / ig / lijk / baar / bar.
        if ends("end") || ends("ing") {
            let start = w.count - 3
            if start >= p2 {
                w.removeSubrange(start...)
                if ends("ig"), w.count - 2 >= p2, !precededBy("e", at: w.count - 2) {
                    w.removeLast(2)
                } else {
                    undouble()
                }
            }
        } else if ends("ig") {
            let start = w.count - 2
            if start >= p2, !precededBy("e", at: start) { w.removeSubrange(start...) }
        } else if ends("lijk") {
            let start = w.count - 4
            if start >= p2 {
                w.removeSubrange(start...)
                eEnding()
            }
        } else if ends("baar") {
            let start = w.count - 4
            if start >= p2 { w.removeSubrange(start...) }
        } else if ends("bar") {
            let start = w.count - 3
            if start >= p2, eFound { w.removeSubrange(start...) }
        }
        // Step 4: undouble a vowel (aa, ee, oo, uu) between non-vowels at the end.
        let n = w.count
        if n >= 4, !vowels.contains(w[n - 1]), w[n - 1] != "I" {
            let first = w[n - 3], second = w[n - 2]
            if first == second, first == "a" || first == "e" || first == "o" || first == "u", isNonVowel(n - 4) {
                w.remove(at: n - 2)
            }
        }
        // Postlude.
        var view = String.UnicodeScalarView()
        view.append(contentsOf: w.lazy.map { $0 == "Y" ? "y" : $0 == "I" ? "i" : $0 })
        return String(view)
    }

    static func prelude(_ w: inout Word) {
        for i in w.indices {
            switch w[i] {
            case "ä", "á": w[i] = "a"
            case "ë", "é": w[i] = "e"
            case "ï", "í": w[i] = "i"
            case "ö", "ó": w[i] = "o"
            case "ü", "ú": w[i] = "u"
            default: break
            }
        }
        if w.first == "y" { w[0] = "Y" }
        // After each vowel: an i followed by a vowel becomes I, a y becomes Y.
        var i = 0
        while i < w.count {
            guard vowels.contains(w[i]) else { i += 1; continue }
            let next = i + 1
            guard next < w.count else { break }
            if w[next] == "i" {
                // An i after a vowel is consumed either way; it becomes I when a vowel follows.
                if next + 1 < w.count, vowels.contains(w[next + 1]) { w[next] = "I" }
                i = next + 1
            } else if w[next] == "y" {
                w[next] = "Y"
                i = next + 1
            } else {
                i = next
            }
        }
    }

    /// R1 starts after the first non-vowel following a vowel, but at least at
    /// 3; R2 likewise after (the unadjusted) R1.
    static func regions(_ w: Word) -> (Int, Int) {
        let limit = w.count
        guard limit >= 3 else { return (limit, limit) }
        func after(_ from: Int) -> Int? { SnowballRegions.start(after: from, in: w, vowels: vowels) }
        guard let found = after(0) else { return (limit, limit) }
        // R2 is found from where the search for R1 ended, before R1 is moved to 3.
        let p2 = after(found) ?? limit
        return (max(found, 3), p2)
    }
}
