import Foundation
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Weekly schedules have one decoding (`HoursInput`) for the JSON API and
/// the staff hours form: the same schedules, typed on either path, are
/// accepted alike or refused naming the same field — the form links its
/// message to the input that field was typed in.
@Suite("Opening hours: one decoding for API and form") struct OpeningHoursAgreementTests {
    /// One schedule as a person means it; `rows` as typed in the form (an
    /// empty row is skipped on both paths).
    struct Schedule {
        var isDefault = true
        var name = "Standaard"
        var from: String?
        var until: String?
        var rows: [(day: String, opens: String, closes: String, level: String)]

        var json: [String: Any] {
            var body: [String: Any] = [
                "name": name,
                "periods": rows.filter { !($0.day.isEmpty && $0.opens.isEmpty && $0.closes.isEmpty) }
                    .map { ["weekday": $0.day, "opens": $0.opens, "closes": $0.closes, "level": $0.level] },
            ]
            if let from { body["valid_from"] = from }
            if let until { body["valid_until"] = until }
            return body
        }

        func form(_ block: Int) -> [String: String] {
            var fields = ["s\(block)_name": name, "s\(block)_from": from ?? "", "s\(block)_until": until ?? "", "s\(block)_rows": String(rows.count)]
            if isDefault { fields["s\(block)_default"] = "1" }
            for (index, row) in rows.enumerated() {
                let p = "s\(block)_p\(index)"
                fields["\(p)_day"] = row.day
                fields["\(p)_opens"] = row.opens
                fields["\(p)_closes"] = row.closes
                fields["\(p)_level"] = row.level
            }
            return fields
        }
    }

    static let week = Schedule(rows: [("monday", "10:00", "17:00", "staffed"), ("saturday", "10:00", "13:00", "self_service")])
    static func summer(from: String? = "2031-07-01", until: String? = "2031-08-31",
                       rows: [(day: String, opens: String, closes: String, level: String)] = [("tuesday", "13:00", "17:00", "staffed")]) -> Schedule {
        Schedule(isDefault: false, name: "  Zomer  ", from: from, until: until, rows: rows)
    }

    @Test(arguments: TestDatabase.all)
    func theAPIAndTheHoursFormAcceptAndRefuseTheSame(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Fixture.make(on: app)
            let (api, pages) = try await signedInBothWays(app, Fixture.staff, password: Fixture.password)
            // The API writes the district branch, the form the neighbourhood branch; the results are compared.
            let formPath = "/staff/branches/\(f.neighbourhood)/hours"
            let csrf = try #require(TestClient.csrf(in: try await pages.send(.GET, formPath).body.string))
            var week = Self.week
            week.rows[1].level = "closed"
            var unknownDay = Self.week
            unknownDay.rows[0].day = "funday"
            var typo = Self.week
            typo.rows.insert(("", "", "", "staffed"), at: 0)
            typo.rows[2].opens = "1O:00"
            var empty = Self.week
            empty.rows[0].closes = "10:00"
            var midnight = Self.week
            midnight.rows[0].opens = "24:00"
            var noLevel = Self.week
            noLevel.rows[1].level = "misschien"
            // The schedules each path gets, the field both must name (nil: accepted) and the form input it is about.
            let cases: [(name: String, schedules: [Schedule], field: String?, input: String?)] = [
                ("a week and a summer", [Self.week, Self.summer()], nil, nil),
                ("an empty row is skipped", [typo.with(row: 2, opens: "11:00"), Self.summer()], nil, nil),
                ("closed is a level", [week], nil, nil),
                ("an unknown weekday", [unknownDay], "schedules[0].periods[0].weekday", "s0_p0_day"),
                ("a time with a letter, after an empty row", [typo], "schedules[0].periods[1].opens", "s0_p2_opens"),
                ("opening and closing at once", [empty], "schedules[0].periods[0]", "s0_p0_opens"),
                ("opening at midnight's end", [midnight], "schedules[0].periods[0].opens", "s0_p0_opens"),
                ("an unknown level", [noLevel], "schedules[0].periods[1].level", "s0_p1_level"),
                ("a season ending before it starts", [Self.week, Self.summer(from: "2031-08-31", until: "2031-07-01")],
                 "schedules[1].valid_until", "s1_until"),
                ("a season without an end", [Self.week, Self.summer(until: nil)], "schedules[1].valid_until", "s1_until"),
                ("a season's date not in ISO", [Self.week, Self.summer(from: "01-07-2031")], "schedules[1].valid_from", "s1_from"),
            ]
            for c in cases {
                let answer = try await api.send(.PUT, "/api/v1/branches/\(f.district)/opening-hours",
                                                object: ["schedules": c.schedules.map(\.json)])
                var form = ["csrf": csrf, "schedule_count": String(c.schedules.count)]
                for (block, schedule) in c.schedules.enumerated() { form.merge(schedule.form(block)) { $1 } }
                let posted = try await pages.send(.POST, formPath, form: form)
                if let field = c.field, let input = c.input {
                    #expect(answer.status == .badRequest, "\(c.name)")
                    #expect(answer.apiError?.field == field, "\(c.name): the API named \(answer.apiError?.field ?? "nothing")")
                    #expect(posted.status == .badRequest, "\(c.name)")
                    #expect(posted.body.string.contains(##"<a href="#\##(input)">"##), "\(c.name): the form's message links elsewhere")
                    #expect(posted.body.string.contains(#"id="\#(input)""#), "\(c.name): the input is on the page again")
                    // The summary names the API's field; the input itself is marked and described by its message.
                    #expect(posted.body.string.contains(#"<li data-field="\#(field)">"#), "\(c.name)")
                    let marked = try #require(posted.body.string.firstMatch(of: try Regex(#"id="\#(input)"[^>]*>"#)).map { String($0.0) })
                    #expect(marked.contains(#"aria-invalid="true""#), "\(c.name): \(marked)")
                    #expect(posted.body.string.contains(#"class="field-error""#), "\(c.name)")
                } else {
                    #expect(answer.status == .ok, "\(c.name): \(answer.body.string)")
                    #expect(posted.status == .seeOther, "\(c.name)")
                    let directory = BranchDirectory(app.db)
                    let byAPI = try await directory.calendar(of: f.district, timeZone: BranchCalendar.amsterdam).schedules
                    let byForm = try await directory.calendar(of: f.neighbourhood, timeZone: BranchCalendar.amsterdam).schedules
                    #expect(byAPI == byForm, "\(c.name)")
                    #expect(byAPI.count == c.schedules.count, "\(c.name)")
                    #expect(byAPI.allSatisfy { $0.name == $0.name.trimmingCharacters(in: .whitespaces) }, "\(c.name): names are trimmed")
                }
            }
        }
    }
}

extension OpeningHoursAgreementTests.Schedule {
    func with(row: Int, opens: String) -> Self {
        var copy = self
        copy.rows[row].opens = opens
        return copy
    }
}
