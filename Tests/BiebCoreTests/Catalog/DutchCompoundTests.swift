import Foundation
import Testing
@testable import BiebCore

@Suite struct DutchCompoundTests {
    /// A small list, so each rule shows on its own.
    let compounds = DutchCompounds(words: [
        "wereld", "oorlog", "winter", "kind", "boek", "boeken", "kast", "week", "kinderboeken", "onder", "wijs",
        "weten", "schap", "tweede", "lees", "voorlees", "voor", "leesboek", "pannekoek", "koek", "pann",
        "keur", "keurs", "slager", "lager", "flessen", "automaat", "auto", "maat", "nummer", "nummers", "service", "vice",
    ])

    @Test func aHeadAndATailThatAreWords() {
        #expect(compounds.parts(of: "wereldoorlog") == ["wereld", "oorlog"])
        #expect(compounds.parts(of: "boekenkast") == ["boeken", "kast"])
    }

    @Test func linkingSoundsBetweenTheParts() {
        #expect(compounds.parts(of: "oorlogswinter") == ["oorlog", "winter"])
        #expect(compounds.parts(of: "kinderboeken") == ["kind", "boeken"])
        #expect(compounds.parts(of: "kindenkast") == ["kind", "kast"])
    }

    @Test func theLongerTailWinsThenTheLongerHead() {
        #expect(compounds.parts(of: "keurslager") == ["keur", "slager"])
        #expect(compounds.parts(of: "nummerservice") == ["nummer", "service"])
        #expect(compounds.parts(of: "boekenkast") == ["boeken", "kast"], "not boek + en + kast")
    }

    @Test func partsOfTenLettersOrMoreAreSplitAgain() {
        #expect(compounds.parts(of: "kinderboekenweek") == ["kinderboeken", "kind", "boeken", "week"])
        #expect(compounds.parts(of: "flessenautomaat") == ["flessen", "automaat"], "automaat has 8 letters")
        // A tail that is not in the list but is a compound itself.
        #expect(compounds.parts(of: "winterkinderboeken") == ["winter", "kinderboeken", "kind", "boeken"])
    }

    @Test func particlesAndSuffixesDoNotSplit() {
        #expect(compounds.parts(of: "onderwijs").isEmpty)
        #expect(compounds.parts(of: "wetenschap").isEmpty)
        // "voor" + "leesboek" would be a particle head; "voorlees" + "boek" is the split.
        #expect(compounds.parts(of: "voorleesboek") == ["voorlees", "boek"])
    }

    @Test func shortWordsAndPartsAndOtherCharactersDoNotSplit() {
        #expect(compounds.parts(of: "oorlog").isEmpty)
        #expect(compounds.parts(of: "kindle").isEmpty)
        #expect(compounds.parts(of: "kindboe").isEmpty, "under 8 letters")
        #expect(compounds.parts(of: "boekwee").isEmpty)
        #expect(compounds.parts(of: "wereld2oorlog").isEmpty)
        #expect(compounds.parts(of: "wereldöorlog").isEmpty, "only folded words are split")
        #expect(compounds.parts(of: String(repeating: "boek", count: 11)).isEmpty, "over 40 letters")
        #expect(compounds.parts(of: "").isEmpty)
    }

    @Test func theWordListLeavesOutNamesAbbreviationsAndHyphensAndFoldsDiacritics() {
        let list = DutchCompounds(wordList: "Amsterdam\nbe-\nb.v.\ncafé\nzeeën\nde\nfiets\nauto's\nzee-egel\nBV\n")
        #expect(list.words == ["cafe", "zeeen", "fiets"])
    }

    @Test func aDutchRecordIndexesThePartsAfterItsWords() {
        let record = TitleRecord(title: "Tweede Wereldoorlog", subtitle: "kinderboeken", language: "dut",
                                 subjects: ["Oorlogswinter"], summary: "Een wereldoorlog")
        let document = SearchDocument(record, compounds: compounds)
        #expect(document.title == "twed wereldoorlog kinderboek wereld oorlog kind boek")
        #expect(document.subject == "oorlogswinter oorlog winter")
        #expect(document.other == "een wereldoorlog wereld oorlog")
        // Without the list, or in another language, compounds stay whole.
        #expect(SearchDocument(record).title == "twed wereldoorlog kinderboek")
        var english = record
        english.language = "eng"
        let englishTerms = SearchDocument(english, compounds: compounds).title.split(separator: " ")
        #expect(englishTerms.count == 3 && !englishTerms.contains("oorlog"))
    }

    /// The real list, as CI installs it (`apt-get install wdutch`; `.ci/run` fails without it).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/dict/dutch"), "needs Debian's wdutch word list"))
    func withOpenTaalsListTheExamplesOfTheIssueSplit() throws {
        let path = "/usr/share/dict/dutch"
        let text = try #require(try? String(contentsOfFile: path, encoding: .utf8), "install Debian's wdutch (\(path))")
        let list = DutchCompounds(wordList: text)
        #expect(list.count > 300_000)
        #expect(list.parts(of: "wereldoorlog") == ["wereld", "oorlog"])
        #expect(list.parts(of: "oorlogswinter") == ["oorlog", "winter"])
        #expect(list.parts(of: "kinderboeken").contains("kind"))
        #expect(list.parts(of: "kinderboeken").contains("boeken"))
        #expect(list.parts(of: "voorleesboek").contains("boek"))
        #expect(list.parts(of: "bibliotheekpas").isEmpty, "a part of 3 letters")
        #expect(list.parts(of: "schoolbibliotheek") == ["school", "bibliotheek"])
        for whole in ["kindle", "kinderen", "onderwijs", "wetenschap", "bibliotheek", "geschiedenis", "ontwikkeling",
                      "verhalen", "avonden", "vriendschap", "leerling", "mogelijkheden", "overleven"] {
            #expect(list.parts(of: whole).isEmpty, "\(whole) → \(list.parts(of: whole))")
        }
    }
}
