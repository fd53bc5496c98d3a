import Foundation

/// NUR (Nederlandstalige Uniforme Rubrieksindeling): the three-digit
/// subject and genre code Dutch and Flemish publishers give every book.
/// Main headings end in 0 ("300 literaire fictie algemeen"), sub-headings
/// in 1–9. Bieb shows the genre facet by NUR code; the names below are the
/// headings whose wording is well known, other codes show as "NUR 123".
public enum NUR {
    static let names: [Int: (nl: String, en: String)] = [
        300: ("Literaire fictie", "Literary fiction"),
        301: ("Literaire roman, novelle", "Literary novel, novella"),
        302: ("Vertaalde literaire roman, novelle", "Translated literary novel"),
        303: ("Verhalenbundels", "Short stories"),
        305: ("Literaire thriller", "Literary thriller"),
        306: ("Poëzie", "Poetry"),
        320: ("Literaire non-fictie", "Literary non-fiction"),
        330: ("Spannende boeken", "Suspense"),
        331: ("Detectives", "Detective fiction"),
        332: ("Thrillers", "Thrillers"),
        360: ("Strips", "Comics"),
    ]

    /// The name of a code in Dutch (or English), or "NUR 123".
    public static func name(_ code: Int, english: Bool = false) -> String {
        guard let name = names[code] else { return "NUR \(String(format: "%03d", code))" }
        return english ? name.en : name.nl
    }
}
