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

@Suite("Small cells with a total") struct SecondarySuppressionTests {
    /// One hidden cell next to a shown total could be worked back (total − the rest): the smallest other cell hides too.
    @Test func aLoneHiddenCellTakesTheNextSmallestWithIt() {
        #expect(SmallCells.texts([120, 3, 40, 75]) == ["120", "<5", "<5", "75"])
        // Two hidden cells already hide each other.
        #expect(SmallCells.texts([120, 3, 2, 75]) == ["120", "<5", "<5", "75"])
        // Nothing hidden, nothing added.
        #expect(SmallCells.texts([5, 6, 7]) == ["5", "6", "7"])
        // A single cell under 5 with no other: hidden, nothing else to hide.
        #expect(SmallCells.texts([4]) == ["<5"])
        #expect(SmallCells.texts([]) == [])
    }

    /// Whatever the cells, the total minus the shown cells never gives a hidden cell back alone.
    @Test func noHiddenCellCanBeWorkedBackFromTheTotal() {
        for cells in [[1, 9, 9], [0, 100], [7, 4, 5, 300], [12, 11, 2, 50, 6]] {
            let shown = SmallCells.texts(cells)
            let hidden = shown.filter { $0 == SmallCells.hidden }.count
            #expect(hidden == 0 || hidden >= 2, "\(cells) → \(shown)")
        }
    }
}

@Suite("Weekly opening hours") struct WeeklyHoursTests {
    /// Mon–Fri 10–18 staffed and every day 8–10 self-service: 40 and 14 hours a week, a branch by the norms;
    /// a closed week in the period lowers the average.
    @Test func averageHoursAWeekFromTheCalendar() {
        let week = WeeklySchedule(periods: [Weekday.monday, .tuesday, .wednesday, .thursday, .friday].map {
            WeeklyPeriod($0, LocalTime("10:00")!, LocalTime("18:00")!, .staffed)
        } + Weekday.allCases.map { WeeklyPeriod($0, LocalTime("08:00")!, LocalTime("10:00")!, .selfService) })
        let start = LocalDate(iso: "2026-01-05")!, end = LocalDate(iso: "2026-02-01")!
        let hours = WeeklyHours.of(BranchCalendar(schedules: [week]), from: start, through: end)
        #expect(hours == WeeklyHours(staffed: 40, selfService: 14))
        #expect(hours.class == .branch)
        let closed = CalendarException(startDate: start, endDate: start.adding(days: 6), reason: "Verbouwing")
        let withClosure = WeeklyHours.of(BranchCalendar(schedules: [week], exceptions: [closed]), from: start, through: end)
        #expect(withClosure == WeeklyHours(staffed: 30, selfService: 10.5))
        let small = WeeklySchedule(periods: [WeeklyPeriod(.tuesday, LocalTime("14:00")!, LocalTime("17:00")!, .staffed),
                                             WeeklyPeriod(.thursday, LocalTime("14:00")!, LocalTime("17:00")!, .staffed)])
        #expect(WeeklyHours.of(BranchCalendar(schedules: [small]), from: start, through: end).class == .servicePoint)
    }
}
