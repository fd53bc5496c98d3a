import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Two years of the demo network's numbers, so every dashboard, measurement
/// and the annual report show real patterns. Generated, not lived: facts
/// of whole days (`InsightFacts.append(history:)`, each with a quantity),
/// a census on the first and last day of every month, and the year before
/// last recorded as closed with its totals. The patterns are those a
/// library has: lending only on the days a branch's own calendar opens it,
/// Saturdays busier, a summer dip for adults and a summer-reading peak for
/// children in July and August, quieter in December, the central library
/// far busier than a volunteer-run neighbourhood library; activities
/// weekly per branch along the five core functions. The scale is an
/// estimate for a city library (about 40 % youth loans); the live demo
/// members (a few hundred) are counted from today on. Deterministic: the
/// same day gives the same numbers.
enum DemoInsights {
    /// A deterministic "random" number in 0..<1 from the parts of a key (FNV-1a).
    static func noise(_ parts: Int...) -> Double {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            hash ^= UInt64(bitPattern: Int64(part))
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Double(hash % 10_000) / 10_000
    }

    /// The month's weight for adults and for children (summer reading lifts children in July and August).
    static func season(_ month: Int, youth: Bool) -> Double {
        let adults: [Int: Double] = [1: 1.05, 2: 1.0, 3: 1.05, 4: 0.95, 5: 0.95, 6: 0.9, 7: 0.7, 8: 0.75, 9: 1.0, 10: 1.05, 11: 1.05, 12: 0.85]
        let children: [Int: Double] = [7: 1.25, 8: 1.15, 12: 0.9, 10: 1.1]
        let adult = adults[month] ?? 1
        return youth ? children[month] ?? adult : adult
    }

    /// A branch's daily loans on an ordinary weekday.
    static func base(_ kind: BranchKind) -> Double {
        switch kind {
        case .central: 260
        case .district: 70
        case .neighbourhood: 14
        case .outreachPoint: 4
        case .partnerHosted: 10
        }
    }

    static func seed(app: Application, organisation: UUID, today: LocalDate, scale: Double) async throws {
        let directory = BranchDirectory(app.db)
        let branches = try await directory.branches(of: organisation)
        let calendars = try await directory.calendars(of: branches, timeZone: BranchCalendar.amsterdam)
        let first = LocalDate(year: today.year - 1, month: 1, day: 1)!
        let last = today.adding(days: -1)
        var facts: [InsightFacts.Fact] = []
        let segments: [(CollectionSegment, youth: Bool, share: Double)] = [
            (.youthFiction, true, 0.30), (.youthNonFiction, true, 0.10), (.adultFiction, false, 0.33), (.adultNonFiction, false, 0.19),
            (.audiovisual, false, 0.06), (.sheetMusic, false, 0.02),
        ]
        // Synthetic pseudonyms for the open year's distinct counts (they stand for no member): as many youth and adult
        // borrowers as the members make — 62 % of them active, 78 % of the youth (the closed year below says the same) —
        // so this year's active members stand beside last year's and beside the members in the census.
        let members = branches.map { base($0.kind) * scale * 45 }.reduce(0, +)
        let youthActive = Int(members * 0.42 * 0.78), adultActive = max(1, Int(members * 0.62) - youthActive)
        func pseudonyms(_ count: Int, from start: Int) -> [String] {
            (start..<start + max(1, count)).map { String(format: "%016llx%016llx", UInt64(truncatingIfNeeded: $0 &* 2_654_435_761), UInt64($0)) }
        }
        let pools = (youth: pseudonyms(youthActive, from: 0), adult: pseudonyms(adultActive, from: youthActive + 1))
        // Each pool is walked by a prime step, so every pseudonym is met before one comes again.
        var drawn = (youth: 0, adult: 0)
        func pseudonym(youth: Bool) -> String {
            let pool = youth ? pools.youth : pools.adult
            let step = pool.count % 7_919 == 0 ? 7_907 : 7_919
            defer { if youth { drawn.youth += 1 } else { drawn.adult += 1 } }
            return pool[((youth ? drawn.youth : drawn.adult) * step) % pool.count]
        }
        // Where a branch's borrowers live: its own postcode area and the two on either side of it (Dutch postcodes
        // number neighbouring areas in sequence; an estimate), so loans and active members are known per postcode area.
        let around = Dictionary(uniqueKeysWithValues: branches.map { branch -> (UUID, [String]) in
            let own = Int(branch.postcode.prefix(4)) ?? 0
            return (branch.id!, (own - 2...own + 2).filter { (1000...9999).contains($0) }.map(String.init))
        })
        var day = first
        while day <= last {
            let saturday = day.weekday == .saturday
            for (b, branch) in branches.enumerated() {
                guard let calendar = calendars[branch.id!], calendar.isOpeningDay(day) else { continue }
                let size = base(branch.kind) * scale * (saturday ? 1.4 : 1) * (day.weekday == .sunday ? 0.6 : 1)
                for (s, segment) in segments.enumerated() {
                    let loans = Int((size * segment.share * season(day.month, youth: segment.youth) * (0.85 + 0.3 * noise(day.daysSinceEpoch, b, s))).rounded())
                    guard loans > 0 else { continue }
                    let band = segment.youth ? (s == 0 ? "0-11" : "12-17") : ["25-44", "45-64", "65+", "18-24"][(day.daysSinceEpoch + s) % 4]
                    let subject = day.year == today.year ? pseudonym(youth: segment.youth) : nil
                    let areas = around[branch.id!] ?? []
                    facts.append(.init(day: day, branch: branch.id, kind: .loan, ageBand: band, category: segment.youth ? "jeugd" : "volledig",
                                       area: areas.isEmpty ? nil : areas[(day.daysSinceEpoch + s) % areas.count],
                                       itemType: segment.0 == .audiovisual ? MaterialFormat.dvd.rawValue : MaterialFormat.book.rawValue,
                                       subject: subject, segment: segment.0.rawValue, quantity: loans))
                    facts.append(.init(day: day, branch: branch.id, kind: .renewal, ageBand: band, segment: segment.0.rawValue, quantity: max(1, loans / 3)))
                    // Returns are members' activity too: their pseudonyms fill the pools over the year, as real borrowers would.
                    facts.append(.init(day: day, branch: branch.id, kind: .return, ageBand: band,
                                       subject: day.year == today.year ? pseudonym(youth: segment.youth) : nil, segment: segment.0.rawValue, quantity: loans))
                }
                // Visitors: the central and district libraries count at the gate (a few days estimated after a counter fault);
                // volunteer libraries do not count. Self-service hours let members in with their card.
                if branch.kind == .central || branch.kind == .district {
                    let estimated = noise(day.daysSinceEpoch, b, 99) < 0.03
                    facts.append(.init(day: day, branch: branch.id, kind: .visitorCount, mode: estimated ? "estimated" : "counted",
                                       quantity: Int(size * 3.2 * season(day.month, youth: false))))
                }
                if calendar.hours(on: day).periods.contains(where: { $0.level == .selfService }) {
                    facts.append(.init(day: day, branch: branch.id, kind: .visit, ageBand: "25-44", category: "volledig",
                                       quantity: Int(size * 0.15) + 1))
                }
                // New members, more in September and January.
                let joins = Int((size / 40 * ([1: 1.4, 9: 1.6, 7: 1.3][day.month] ?? 1) * noise(day.daysSinceEpoch, b, 7) * 2).rounded())
                if joins > 0 {
                    facts.append(.init(day: day, branch: branch.id, kind: .memberJoined, ageBand: joins % 2 == 0 ? "0-11" : "25-44", quantity: joins))
                }
                // Activities: a branch's weekday programme along the core functions; summer reading sessions in July and August.
                let weekday = day.weekday.rawValue
                let programme: [(CoreFunction, ActivityPresence, String, youth: Bool, people: Int)] = [
                    (.reading, .physical, "reading_aloud", true, 14), (.development, .physical, "homework_help", true, 9),
                    (.knowledge, .hybrid, "lecture", false, 35), (.meeting, .physical, "language_cafe", false, 12),
                    (.culture, .physical, "workshop", false, 16), (.development, .online, "course", false, 20),
                ]
                let activity = programme[(weekday + b) % programme.count]
                let holds = branch.kind == .central || branch.kind == .district || weekday == Weekday.wednesday.rawValue
                let summerReading = (day.month == 7 || day.month == 8) && weekday == Weekday.wednesday.rawValue
                for (function, presence, topic, youth, people) in (holds ? [activity] : []) + (summerReading ? [(.reading, .physical, "reading_aloud", true, 22)] : []) {
                    let came = Int(Double(people) * (0.7 + 0.6 * noise(day.daysSinceEpoch, b, 3)) * (branch.kind == .central ? 1.5 : 1))
                    for (kind, quantity) in [(FactKind.activitySession, 1), (.activityParticipant, came)] {
                        facts.append(.init(day: day, branch: branch.id, kind: kind, coreFunction: function.rawValue, topic: topic, mode: presence.rawValue,
                                           audience: youth ? "youth" : "adult", quantity: quantity))
                    }
                }
            }
            day = day.adding(days: 1)
        }
        try await InsightFacts(app.db, organisationID: organisation).append(history: facts)

        // The census on the first and last day of each month: members grow a little, youth members most after the summer.
        var census: [(day: LocalDate, rows: [InsightCensus.Row])] = []
        var month = first
        while month <= last {
            let end = LocalDate(year: month.year, month: month.month, day: LocalDate.daysInMonth(year: month.year, month: month.month))!
            for moment in [month, end] where moment <= last {
                let growth = 1 + Double(first.days(until: moment)) / 365 * 0.03
                var rows: [InsightCensus.Row] = []
                for branch in branches {
                    let members = base(branch.kind) * scale * 45 * growth
                    let youthLift = moment.month >= 9 ? 1.04 : 1
                    rows.append(.init(branch: branch.id, measure: .members, audience: "youth", segment: "", value: Int(members * 0.42 * youthLift)))
                    rows.append(.init(branch: branch.id, measure: .members, audience: "adult", segment: "", value: Int(members * 0.58)))
                    for segment in segments {
                        rows.append(.init(branch: branch.id, measure: .copies, audience: segment.0.audience, segment: segment.0.rawValue,
                                          value: Int(base(branch.kind) * scale * 120 * segment.share)))
                    }
                }
                census.append((moment, rows))
            }
            month = end.adding(days: 1)
        }
        try await InsightCensus(app.db, organisationID: organisation).append(history: census)
        // The year before last is closed: its pseudonyms are gone, its distinct counts kept.
        try await InsightYears(app.db, organisationID: organisation).appendClosed(first.year, totals: [
            "active_members": Int(members * 0.62), "active_youth_members": Int(members * 0.42 * 0.78),
            "borrowers": Int(members * 0.58), "youth_borrowers": Int(members * 0.42 * 0.74),
        ])
    }

    /// The measurements a manager finds: youth members at the start and the end of last year (both frozen), and the
    /// youth collection's use at the start of this year (last year's loans, frozen) and its end, still to come.
    static func measurements(app: Application, organisation: UUID, today: LocalDate) async throws {
        let measurements = Measurements(app.db, organisationID: organisation)
        let lastYear = today.year - 1
        _ = try await measurements.create(.init(indicator: "youth_members", branchID: nil, title: "Jeugdleden \(lastYear)",
                                                start: LocalDate(year: lastYear, month: 1, day: 1)!, end: LocalDate(year: lastYear, month: 12, day: 31)!,
                                                target: nil), today: today)
        _ = try await measurements.create(.init(indicator: "youth_loans_per_youth_copy", branchID: nil, title: "Gebruik jeugdcollectie \(today.year)",
                                                start: LocalDate(year: today.year, month: 1, day: 1)!, end: LocalDate(year: today.year, month: 12, day: 31)!,
                                                target: 5), today: today)
    }
}
