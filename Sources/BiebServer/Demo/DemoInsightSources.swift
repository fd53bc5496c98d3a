import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The demo's numbers from outside the lending, over the same two years as
/// `DemoInsights.seed`: digital use per month (a newspaper platform with
/// COUNTER metrics and an audiobook provider with a plain report), study
/// places booked and counted (busier in the exam weeks of May–June and
/// December–January), appointments at the partners' consultation hours,
/// catalogue searches, and summer reading — last year's as the totals a
/// closed year keeps, this year's as participants with this year's
/// (synthetic) pseudonyms whose June and summer loans are facts too.
extension DemoInsights {
    static func seedSources(app: Application, organisation: UUID, today: LocalDate, scale: Double) async throws {
        let directory = BranchDirectory(app.db)
        let branches = try await directory.branches(of: organisation)
        let calendars = try await directory.calendars(of: branches, timeZone: BranchCalendar.amsterdam)
        let first = LocalDate(year: today.year - 1, month: 1, day: 1)!
        let last = today.adding(days: -1)
        var places: [UUID: Int] = [:]
        for space in try await Space.query(on: app.db).filter(\.$branch.$id ~~ branches.compactMap(\.id))
            .filter(\.$kindRaw == SpaceKind.studyArea.rawValue).all() {
            places[space.$branch.id, default: 0] += space.capacity
        }
        var partners: [UUID: [String]] = [:]
        for branch in branches {
            partners[branch.id!] = try await PartnerDirectory(app.db).partners(ofBranch: branch.id!).map(\.partner.name)
        }
        var facts: [InsightFacts.Fact] = []
        var day = first
        while day <= last {
            let exams = [1, 5, 6, 12].contains(day.month)
            for (b, branch) in branches.enumerated() {
                guard let id = branch.id, let calendar = calendars[id], calendar.isOpeningDay(day) else { continue }
                let size = base(branch.kind) * scale
                // Study places: bookings, and two head counts a day (late morning and afternoon).
                if let capacity = places[id], capacity > 0 {
                    let booked = Int(Double(capacity) * 0.25 * (exams ? 1.6 : 1) * (0.8 + 0.4 * noise(day.daysSinceEpoch, b, 41)))
                    if booked > 0 { facts.append(.init(day: day, branch: id, kind: .studyBooking, quantity: booked)) }
                    for (hour, busy) in [("11:00", 0.45), ("15:00", 0.65)] {
                        let share = min(0.98, busy * (exams ? 1.35 : 1) * (day.month == 7 || day.month == 8 ? 0.6 : 1) * (0.8 + 0.4 * noise(day.daysSinceEpoch, b, hour.count)))
                        facts.append(.init(day: day, branch: id, kind: .studyPlacesCounted, mode: hour, quantity: capacity))
                        facts.append(.init(day: day, branch: id, kind: .studyOccupied, mode: hour, quantity: Int(Double(capacity) * share)))
                    }
                }
                // Partners' consultation hours, on a weekday of their own, with most slots taken.
                for (p, partner) in (partners[id] ?? []).enumerated() where day.weekday.rawValue == (p + b) % 5 + 1 {
                    facts.append(.init(day: day, branch: id, kind: .consultationHour, topic: partner, quantity: 1))
                    facts.append(.init(day: day, branch: id, kind: .consultationAppointment, topic: partner, quantity: 3 + Int(4 * noise(day.daysSinceEpoch, b, p, 43))))
                }
                // Catalogue searches through the website and the apps (the API), with the branch's share of the city.
                for (channel, share) in [("portal", 3.2), ("api", 1.1)] {
                    let searches = Int(size * share * (0.85 + 0.3 * noise(day.daysSinceEpoch, b, channel.count, 47)))
                    if searches > 0 { facts.append(.init(day: day, branch: nil, kind: .catalogueSearch, mode: channel, quantity: searches)) }
                }
            }
            day = day.adding(days: 1)
        }
        // Digital use per month that ended: a newspaper platform (COUNTER) and audiobooks (a plain report of uses).
        let total = branches.map { base($0.kind) }.reduce(0, +) * scale
        var month = first
        while true {
            let end = LocalDate(year: month.year, month: month.month, day: LocalDate.daysInMonth(year: month.year, month: month.month))!
            guard end <= last else { break }
            let wave = 1 + Double(first.days(until: month)) / 365 * 0.12
            let requests = Int(total * 11 * wave * (0.9 + 0.2 * noise(month.year, month.month, 51)))
            for (platform, metric, count) in [("PressReader", "Total_Item_Requests", requests), ("PressReader", "Unique_Item_Requests", requests * 3 / 5),
                                              ("PressReader", "Searches_Platform", requests / 4), ("Luisterbieb", "uses", Int(Double(requests) * 0.45))] {
                facts.append(.init(day: end, branch: nil, kind: .digitalUse, topic: platform, mode: metric, quantity: count))
            }
            month = end.adding(days: 1)
        }
        facts += try await summerReading(app: app, organisation: organisation, branches: branches, today: today, scale: scale)
        let stream = InsightFacts(app.db, organisationID: organisation)
        try await stream.append(history: facts)
        // The generated days are history: the job counts bookings and consultation hours from today on.
        try await stream.countPlaces(after: last)
    }

    /// Summer reading at the central library: the reading programme ends on the last Wednesday of August. Last year's
    /// borrowing is in its closed totals; this year's participants carry this year's pseudonyms, and their loans in June
    /// and the summer are facts with the same pseudonyms.
    static func summerReading(app: Application, organisation: UUID, branches: [Branch], today: LocalDate, scale: Double) async throws -> [InsightFacts.Fact] {
        guard let central = branches.first(where: { $0.kind == .central }) ?? branches.first, let branch = central.id else { return [] }
        func finale(_ year: Int) -> LocalDate {
            var day = LocalDate(year: year, month: 8, day: 31)!
            while day.weekday != .wednesday { day = day.adding(days: -1) }
            return day
        }
        var facts: [InsightFacts.Fact] = []
        let people = Int(220 * scale)
        // Last year: participants and finishers as facts; the followed borrowing as the closed year's totals.
        let lastYear = today.year - 1
        let finishedLast = people * 58 / 100
        facts.append(.init(day: finale(lastYear), branch: branch, kind: .readingParticipant, ageBand: "0-11", audience: "youth", quantity: people))
        facts.append(.init(day: finale(lastYear), branch: branch, kind: .readingFinisher, ageBand: "0-11", audience: "youth", quantity: finishedLast))
        try await InsightYears(app.db, organisationID: organisation).appendClosed(lastYear, totals: [
            "reading_member_participants": people, "reading_member_finishers": finishedLast,
            "reading_june_loans": people * 19 / 10, "reading_summer_loans": people * 52 / 10,
            "reading_finisher_june_loans": finishedLast * 2, "reading_finisher_summer_loans": finishedLast * 66 / 10,
        ])
        // This year, once the programme is over: one child in five does not finish; finishers borrow most in the summer.
        let end = finale(today.year)
        guard end < today else { return facts }
        for child in 0..<Int(Double(people) * 1.1) {
            let subject = String(format: "5e%014llx%016llx", UInt64(child), UInt64(truncatingIfNeeded: child &* 2_654_435_761))
            let finished = noise(child, 61) < 0.62
            for kind in [FactKind.readingParticipant] + (finished ? [.readingFinisher] : []) {
                facts.append(.init(day: end, branch: branch, kind: kind, ageBand: "0-11", subject: subject, audience: "youth"))
            }
            let june = Int(noise(child, 62) * 4), summer = Int(noise(child, 63) * (finished ? 12 : 6))
            for (count, month) in [(june, 6), (summer, 7 + child % 2)] where count > 0 {
                facts.append(.init(day: LocalDate(year: today.year, month: month, day: 3 + child % 25)!, branch: branch, kind: .loan, ageBand: "0-11",
                                   category: "jeugd", itemType: MaterialFormat.book.rawValue, subject: subject,
                                   segment: CollectionSegment.youthFiction.rawValue, quantity: count))
            }
        }
        return facts
    }
}
