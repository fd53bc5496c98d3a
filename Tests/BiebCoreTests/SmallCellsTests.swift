import Testing
import BiebCore

@Suite("Small cells") struct SmallCellsTests {
    /// A breakdown's cell under 5 could point at a few people: it is shown as "<5".
    @Test func cellsUnderFiveAreHidden() {
        #expect((0...4).allSatisfy { SmallCells.text($0) == "<5" })
        #expect(SmallCells.text(5) == "5")
        #expect(SmallCells.text(1_234) == "1234")
    }
}
