import Testing
@testable import BiebCore

@Suite("Delimited text") struct DelimitedTextTests {
    func records(_ text: String) -> (separator: Character, rows: [(Int, [String])]) {
        var text = text
        return text.withUTF8 { bytes in
            let separator = DelimitedText.separator(of: bytes)
            var rows: [(Int, [String])] = []
            DelimitedText.forEachRecord(in: bytes, separator: separator) { rows.append(($0, $1)) }
            return (Character(UnicodeScalar(separator)), rows)
        }
    }

    /// The separator is the most frequent of tab, `;` and `,` on the first line, outside quotes.
    @Test(arguments: [("a;b;c", ";" as Character), ("a,b,c", ","), ("a\tb,c\td", "\t"), ("\"x;y\",b", ","), ("a;b,c;d", ";"), ("single", ",")])
    func separatorOfTheFirstLine(line: String, separator: Character) {
        #expect(records(line + "\n1;2,3\t4\n").separator == separator)
    }

    @Test func quotesLineEndsAndPadding() {
        let (_, rows) = records("\u{FEFF} a , \"b, \"\"c\"\"\" ,\r\n\"multi\nline\",x\rlast,\n")
        #expect(rows.map(\.0) == [1, 2, 4])
        #expect(rows.map(\.1) == [["a", "b, \"c\"", ""], ["multi\nline", "x"], ["last", ""]])
    }

    /// An empty line is one empty field; a line of separators is blank too.
    @Test func blankLines() {
        let (_, rows) = records("a;b\n\n;;\nc;d")
        #expect(rows.map(\.1) == [["a", "b"], [""], ["", "", ""], ["c", "d"]])
        #expect(rows.map { DelimitedText.isBlank($0.1) } == [false, true, true, false])
    }

    /// An unclosed quote takes the rest of the file rather than failing.
    @Test func unclosedQuote() {
        let (_, rows) = records("a,\"b\nc")
        #expect(rows.map(\.1) == [["a", "b\nc"]])
    }

    @Test func lineCount() {
        var text = "a\nb\nc"
        #expect(text.withUTF8(DelimitedText.lineCount) == 3)
        text = "a\nb\n"
        #expect(text.withUTF8(DelimitedText.lineCount) == 2)
        text = ""
        #expect(text.withUTF8(DelimitedText.lineCount) == 0)
    }

    @Test func headings() {
        #expect(DelimitedText.heading(" Metric_Type ") == "metric type")
        #expect(DelimitedText.heading("Reporting_Period_Total") == "reporting period total")
        #expect(DelimitedText.heading("DATUM") == "datum")
        #expect(DelimitedText.heading("Tëller") == "teller")
    }
}
