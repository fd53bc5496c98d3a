import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting
import BiebCore
@testable import BiebServer
import BiebStore
import BiebTestSupport

@Suite struct PublicPageTests {
    @Test(arguments: TestDatabase.all)
    func branchListIsDutchByDefaultAndEnglishOnRequest(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await Fixture.make(on: app)
            let client = TestClient(app)
            let dutch = try await client.send(.GET, "/city")
            #expect(dutch.status == .ok)
            let html = dutch.body.string
            #expect(html.contains(#"<html lang="nl">"#))
            #expect(html.contains("Centrale Bibliotheek"))
            #expect(html.contains("Buurtbibliotheek Noord"))
            #expect(html.contains("Buurtbibliotheek (vrijwilligers)"))
            #expect(html.contains("Nu open") || html.contains("Gesloten"))
            #expect(!html.contains("<script src"))

            let english = try await client.send(.GET, "/city?lang=en")
            #expect(english.body.string.contains(#"<html lang="en">"#))
            #expect(english.body.string.contains("Neighbourhood library (volunteers)"))
            // The choice sticks (cookie), until changed.
            let next = try await client.send(.GET, "/")
            #expect(next.body.string.contains(#"<html lang="en">"#))

            let browser = TestClient(app)
            let accepted = try await browser.send(.GET, "/city", headers: ["Accept-Language": "en-US,en;q=0.8"])
            #expect(accepted.body.string.contains("Open now") || accepted.body.string.contains("Closed"))
        }
    }

    @Test(arguments: TestDatabase.all)
    func branchPageShowsWeekExceptionsAndJSONLD(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
            try await BranchDirectory(app.db).addException(to: fixture.central, CalendarException(
                startDate: today.adding(days: 3), reason: "Studiedag personeel"))
            // Two exceptions overlap: maintenance on days 20–21 and special hours on day 21. The page lists
            // them as the calendar applies them (the shorter one wins the 21st), never both for one day.
            try await BranchDirectory(app.db).addException(to: fixture.central, CalendarException(
                startDate: today.adding(days: 20), endDate: today.adding(days: 21), reason: "Onderhoud"))
            try await BranchDirectory(app.db).addException(to: fixture.central, CalendarException(
                startDate: today.adding(days: 21), reason: "Kerstavond", periods: [DayPeriod(opens: LocalTime("10:00")!, closes: LocalTime("16:00")!, level: .staffed)]))
            // Consultation hours this week count from the start of today: an early one today is listed
            // (whether or not it is over yet), one a week on is not.
            let zone = BranchCalendar.amsterdam
            let consultation = ConsultationHours(app.db, organisationID: fixture.city, timeZone: zone)
            for (title, day) in [("Vroeg digi-spreekuur", today), ("Spreekuur over een week", today.adding(days: 7))] {
                _ = try await consultation.publish(ConsultationHourInput(
                    partnerID: fixture.partnerOrg, branchID: fixture.central, title: title, slotMinutes: nil,
                    range: TimeRange(start: LocalClock.instant(of: day, minute: 8 * 60, in: zone), end: LocalClock.instant(of: day, minute: 8 * 60 + 45, in: zone))),
                    staff: nil, now: LocalClock.instant(of: today, minute: 0, in: zone))
            }
            let client = TestClient(app)
            let response = try await client.send(.GET, "/city/centrale")
            #expect(response.status == .ok)
            let html = response.body.string
            #expect(html.contains("Vaste openingstijden"))
            #expect(html.contains("10:00–17:00 bemand, 08:00–22:00 selfservice"))
            #expect(html.contains("Studiedag personeel"))
            let long = BranchPresentation(lang: .nl, timeZone: BranchCalendar.amsterdam).formats.longDate
            // A holiday Bieb added is said in the page's language; a reason staff wrote stays as written.
            let english = BranchPresentation(lang: .en, timeZone: BranchCalendar.amsterdam)
            let christmas = LocalDate(iso: "2026-12-25")!
            #expect(english.exceptionRow(CalendarException(startDate: christmas, reason: "Eerste Kerstdag")).reason == "Christmas Day")
            #expect(english.exceptionRow(CalendarException(startDate: christmas, reason: "Onderhoud")).reason == "Onderhoud")
            #expect(BranchPresentation(lang: .nl, timeZone: BranchCalendar.amsterdam)
                .exceptionRow(CalendarException(startDate: christmas, reason: "Eerste Kerstdag")).reason == "Eerste Kerstdag")
            #expect(html.contains("<strong>\(long(today.adding(days: 20)))</strong>: Onderhoud — "))
            #expect(html.contains("<strong>\(long(today.adding(days: 21)))</strong>: Kerstavond — 10:00–16:00 bemand"))
            #expect(!html.contains("\(long(today.adding(days: 20))) – "))
            // The API's day answers agree: the 21st is open, the 20th closed.
            let days = try object(try await client.send(.GET, "/api/v1/branches/\(fixture.central)/opening-days?from=\(today.adding(days: 20).iso)&to=\(today.adding(days: 21).iso)"))
            #expect(days["days"] as? [String] == [today.adding(days: 21).iso])
            #expect(html.contains("Vroeg digi-spreekuur"))
            #expect(!html.contains("Spreekuur over een week"))
            #expect(html.contains("120 studieplekken"))
            // Counted things in their singular or plural form.
            #expect(PublicPages.facilityTexts(BranchFacilities(studyPlaces: 1, rooms: 1, publicComputers: 1), .nl) == ["1 studieplek", "1 zaal", "1 computer"])
            #expect(PublicPages.facilityTexts(BranchFacilities(studyPlaces: 2, rooms: 2, publicComputers: 2), .en)
                    == ["2 study places", "2 rooms", "2 computers"])
            #expect(Locales.text("notice_status_registered", .nl, count: 1) == "Je bent aangemeld (1 plaats) voor:")
            #expect(Locales.text("notice_status_registered", .nl, count: 3) == "Je bent aangemeld (3 plaatsen) voor:")
            #expect(html.contains("16 jaar of ouder"))

            let start = try #require(html.range(of: #"<script type="application/ld+json">"#))
            let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
            let json = String(html[start.upperBound..<end.lowerBound])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            #expect(object["@type"] as? String == "Library")
            let hours = try #require(object["openingHoursSpecification"] as? [[String: Any]])
            #expect(hours.count == 13)
            #expect(hours.contains { $0["dayOfWeek"] as? String == "https://schema.org/Monday" && $0["opens"] as? String == "10:00:00" })
            let special = try #require(object["specialOpeningHoursSpecification"] as? [[String: Any]])
            #expect(special.contains { $0["description"] as? String == "Studiedag personeel" && $0["opens"] as? String == "00:00:00" })

            #expect(response.headers.first(name: "Content-Security-Policy")?.contains("script-src 'none'") == true)
            #expect(response.headers.first(name: "X-Frame-Options") == "DENY")
            #expect(response.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(try await client.send(.GET, "/city/nope").status == .notFound)
            #expect(try await client.send(.GET, "/town/centrale").status == .notFound)
        }
    }
}

@Suite struct StaffPageTests {
    @Test(arguments: TestDatabase.all)
    func signInNeedsCSRFAndSetsASafeCookie(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await Fixture.make(on: app)
            let client = TestClient(app)
            #expect(try await client.send(.GET, "/staff").status == .seeOther)
            let form = try await client.send(.GET, "/staff/login")
            let cookie = try #require(form.headers[.setCookie].first { $0.hasPrefix("bieb_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.lowercased().contains("samesite=lax"))
            let token = try #require(TestClient.csrf(in: form.body.string))

            let forged = try await client.send(.POST, "/staff/login", form: ["email": Fixture.admin, "password": Fixture.password])
            #expect(forged.status == .forbidden)
            let wrong = try await client.send(.POST, "/staff/login", form: ["csrf": token, "email": Fixture.admin, "password": "fout fout fout"])
            #expect(wrong.status == .unauthorized)
            #expect(wrong.body.string.contains("E-mailadres of wachtwoord klopt niet."))
            #expect(wrong.body.string.contains(#"value="admin@city.test""#))

            let before = client.cookies["bieb_session"]
            let ok = try await client.send(.POST, "/staff/login", form: ["csrf": token, "email": Fixture.admin, "password": Fixture.password])
            #expect(ok.status == .seeOther)
            #expect(ok.headers.first(name: .location) == "/staff")
            #expect(client.cookies["bieb_session"] != before)
            let dashboard = try await client.send(.GET, "/staff")
            #expect(dashboard.status == .ok)
            #expect(dashboard.body.string.contains("Stadsbibliotheek"))
            #expect(dashboard.body.string.contains("Bibliotheek Oost"))
            #expect(!dashboard.body.string.contains("Bibliotheek Dorp"))

            let logoutToken = try #require(TestClient.csrf(in: dashboard.body.string))
            #expect(try await client.send(.POST, "/staff/logout", form: ["csrf": logoutToken]).status == .seeOther)
            #expect(try await client.send(.GET, "/staff").status == .seeOther)
        }
    }

    @Test(arguments: TestDatabase.all)
    func sessionsEndAndExpiredOnesAreRemoved(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await Fixture.make(on: app)
            let client = TestClient(app)
            try await client.signInPages(Fixture.staff, password: Fixture.password)
            #expect(try await client.send(.GET, "/staff").status == .ok)
            let key = try #require(client.cookies["bieb_session"])
            let record = try #require(try await StaffSessionRecord.query(on: app.db).filter(\.$key == key).first())
            // Signed-in sessions end 12 hours after sign-in.
            #expect(abs(record.expiresAt.timeIntervalSinceNow - 12 * 3600) < 60)
            #expect(record.data.contains("uid"))
            #expect(!record.data.contains(Fixture.password))

            record.expiresAt = Date().addingTimeInterval(-1)
            try await record.save(on: app.db)
            #expect(try await client.send(.GET, "/staff").status == .seeOther)
            // A new session (another visitor) clears the expired one out.
            let other = TestClient(app)
            _ = try await other.send(.GET, "/staff/login")
            #expect(try await StaffSessionRecord.query(on: app.db).filter(\.$key == key).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.all)
    func editingHoursThroughTheForm(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let client = TestClient(app)
            try await client.signInPages(Fixture.staff, password: Fixture.password)
            let path = "/staff/branches/\(fixture.district)/hours"
            let page = try await client.send(.GET, path)
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("Per week: 32 uur bemand"))
            let token = try #require(TestClient.csrf(in: html))

            var form: [String: String] = ["csrf": token, "schedule_count": "2", "s0_default": "1", "s0_name": "Winter", "s0_rows": "3",
                                          "s0_p0_day": "monday", "s0_p0_opens": "10:00", "s0_p0_closes": "16:00", "s0_p0_level": "staffed",
                                          "s0_p1_day": "monday", "s0_p1_opens": "1O:00", "s0_p1_closes": "12:00", "s0_p1_level": "staffed",
                                          "s1_rows": "1", "s1_name": "", "s1_p0_day": "", "s1_p0_opens": "", "s1_p0_closes": ""]
            let rejected = try await client.send(.POST, path, form: form)
            #expect(rejected.status == .badRequest)
            #expect(rejected.body.string.contains("rooster 1, regel 2 (opent)"))
            #expect(rejected.body.string.contains(#"value="1O:00""#))
            #expect(try await BranchDirectory(app.db).scheduleRecords(of: fixture.district).first?.name == "Standaard")

            form["s0_p1_opens"] = "18:00"
            form["s0_p1_closes"] = "21:00"
            form["s0_p1_level"] = "self_service"
            let saved = try await client.send(.POST, path, form: form)
            #expect(saved.status == .seeOther)
            let calendar = try await BranchDirectory(app.db).calendar(of: fixture.district, timeZone: BranchCalendar.amsterdam)
            #expect(calendar.schedules.count == 1)
            #expect(calendar.schedules[0].name == "Winter")
            #expect(calendar.schedules[0].hoursPerWeek(.staffed) == 6)
            #expect(calendar.schedules[0].hoursPerWeek(.selfService) == 3)

            // Add and delete an exception through the forms.
            let again = try await client.send(.GET, path)
            let token2 = try #require(TestClient.csrf(in: again.body.string))
            // Refused (the end before the start): the error next to the field and in the summary, everything typed kept.
            let backwards = try await client.send(.POST, "\(path.replacingOccurrences(of: "/hours", with: ""))/exceptions",
                                                  form: ["csrf": token2, "start_date": "2031-03-03", "reason": "Verbouwing", "end_date": "2031-03-01"])
            #expect(backwards.status == .badRequest)
            #expect(backwards.body.string.contains(##"<li data-field="end_date"><a href="#end_date">"##))
            #expect(backwards.body.string.contains(#"id="end_date-error""#))
            #expect(backwards.body.string.contains(#"value="Verbouwing""#))
            #expect(backwards.body.string.contains(#"value="2031-03-01""#))
            let added = try await client.send(.POST, "\(path.replacingOccurrences(of: "/hours", with: ""))/exceptions",
                                              form: ["csrf": token2, "start_date": "2031-03-03", "reason": "Verbouwing", "end_date": "2031-03-05"])
            #expect(added.status == .seeOther)
            let records = try await BranchDirectory(app.db).exceptionRecords(of: fixture.district)
            #expect(records.map(\.reason) == ["Verbouwing"])
            // The editor lists it with its year (past and coming years stand side by side).
            #expect(try await client.send(.GET, path).body.string.contains("3 maart 2031 – 5 maart 2031"))
            // A shorter exception inside it takes its day over; the editor says so at the longer one.
            let openDay = try await client.send(.POST, "\(path.replacingOccurrences(of: "/hours", with: ""))/exceptions",
                                                form: ["csrf": token2, "start_date": "2031-03-04", "reason": "Open dag", "opens": "11:00", "closes": "15:00"])
            #expect(openDay.status == .seeOther)
            #expect(try await client.send(.GET, path).body.string.contains("Op 4 maart 2031 geldt „Open dag” (de kortere uitzondering gaat voor)."))
            let shortOne = try #require(try await BranchDirectory(app.db).exceptionRecords(of: fixture.district).first { $0.reason == "Open dag" })
            try await BranchDirectory(app.db).deleteException(shortOne)
            // Delete asks first: the button shows what goes and deletes nothing yet.
            let deletePath = "/staff/branches/\(fixture.district)/exceptions/\(records[0].id!)/delete"
            let ask = try await client.send(.POST, deletePath, form: ["csrf": token2])
            #expect(ask.status == .ok)
            #expect(ask.body.string.contains("Deze uitzondering verwijderen: 3 maart 2031 – 5 maart 2031, Verbouwing"))
            #expect(ask.body.string.contains(#"name="confirm" value="yes""#))
            #expect(ask.body.string.contains(#"href="\#(path)">Nee, terug</a>"#))
            #expect(try await BranchDirectory(app.db).exceptionRecords(of: fixture.district).count == 1)
            let delete = try await client.send(.POST, deletePath, form: ["csrf": try #require(TestClient.csrf(in: ask.body.string)), "confirm": "yes"])
            #expect(delete.status == .seeOther)
            #expect(try await BranchDirectory(app.db).exceptionRecords(of: fixture.district).isEmpty)
        }
    }

    @Test(arguments: TestDatabase.all)
    func branchDetailsFormAndOrganisationBoundary(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let client = TestClient(app)
            try await client.signInPages(Fixture.admin, password: Fixture.password)
            let page = try await client.send(.GET, "/staff/branches/\(fixture.district)")
            let token = try #require(TestClient.csrf(in: page.body.string))
            let bad = try await client.send(.POST, "/staff/branches/\(fixture.district)", form: [
                "csrf": token, "name": "Bibliotheek Oost", "slug": "oost", "kind": "district", "postcode": "99999", "active": "on",
            ])
            #expect(bad.status == .badRequest)
            #expect(bad.body.string.contains("geen geldige postcode"))
            let good = try await client.send(.POST, "/staff/branches/\(fixture.district)", form: [
                "csrf": token, "name": "Bibliotheek Oost", "slug": "oost", "kind": "district", "postcode": "2595aa",
                "street": "Oostlaan 3", "city": "Den Haag", "active": "on", "min_age": "18", "min_days": "30",
            ])
            #expect(good.status == .seeOther)
            let stored = try #require(try await Branch.find(fixture.district, on: app.db))
            #expect(stored.postcode == "2595 AA")
            #expect(stored.selfServiceMinAge == 18)

            // Spaces through the form.
            let addSpace = try await client.send(.POST, "/staff/branches/\(fixture.district)/spaces", form: [
                "csrf": token, "name": "Leeszaal", "kind": "study_area", "capacity": "30", "bookable": "on",
            ])
            #expect(addSpace.status == .seeOther)
            let badSpace = try await client.send(.POST, "/staff/branches/\(fixture.district)/spaces", form: [
                "csrf": token, "name": "Leeszaal", "kind": "study_area", "capacity": "veel",
            ])
            #expect(badSpace.status == .badRequest)
            #expect(badSpace.body.string.contains("geen geheel getal"))
            let spaces = try await BranchDirectory(app.db).spaces(of: fixture.district)
            #expect(spaces.map(\.name) == ["Leeszaal"])
            #expect(spaces.first?.capacity == 30)
            let removed = try await client.send(.POST, "/staff/branches/\(fixture.district)/spaces/\(spaces[0].id!)/delete", form: ["csrf": token])
            #expect(removed.status == .seeOther)
            #expect(try await BranchDirectory(app.db).spaces(of: fixture.district).isEmpty)

            // Another organisation's branch does not exist for this admin.
            #expect(try await client.send(.GET, "/staff/branches/\(fixture.townMain)").status == .notFound)
            #expect(try await client.send(.POST, "/staff/branches/\(fixture.townMain)", form: ["csrf": token, "name": "x"]).status == .notFound)

            // A volunteer sees the dashboard but cannot open the branch form.
            let volunteer = TestClient(app)
            try await volunteer.signInPages(Fixture.volunteer, password: Fixture.password)
            #expect(try await volunteer.send(.GET, "/staff").status == .ok)
            #expect(try await volunteer.send(.GET, "/staff/branches/\(fixture.neighbourhood)").status == .forbidden)
            #expect(try await volunteer.send(.GET, "/staff/branches/\(fixture.neighbourhood)/hours").status == .ok)
            #expect(try await volunteer.send(.GET, "/staff/users").status == .forbidden)
        }
    }

    @Test(arguments: TestDatabase.all)
    func accountsPage(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await Fixture.make(on: app)
            let client = TestClient(app)
            try await client.signInPages(Fixture.admin, password: Fixture.password)
            let page = try await client.send(.GET, "/staff/users")
            #expect(page.status == .ok)
            #expect(page.body.string.contains(Fixture.volunteer))
            #expect(!page.body.string.contains(Fixture.townAdmin))
            let token = try #require(TestClient.csrf(in: page.body.string))
            // A password too short: named at its field and in the summary; name, e-mail and role kept.
            let short = try await client.send(.POST, "/staff/users", form: [
                "csrf": token, "name": "Nina Nieuw", "email": "nina@city.test", "role": "volunteer", "branch_id": "", "password": "kort",
            ])
            #expect(short.status == .badRequest)
            let shortPage = short.body.string
            #expect(shortPage.contains(##"<a href="#upass">"##) && shortPage.contains(#"<span class="field-error" id="upass-error">"#))
            #expect(shortPage.contains(#"id="uname" name="name" required value="Nina Nieuw""#))
            #expect(shortPage.contains(#"id="uemail" name="email" type="email" required value="nina@city.test""#))
            let newRole = shortPage.components(separatedBy: #"id="urole""#).dropFirst().first?.components(separatedBy: "</select>").first ?? ""
            #expect(newRole.contains(#"<option value="volunteer" selected>"#) && !newRole.contains(#"<option value="staff" selected>"#))
            #expect(shortPage.contains(##"action="/staff/users#fout""##))
            let created = try await client.send(.POST, "/staff/users", form: [
                "csrf": token, "name": "Nina Nieuw", "email": "nina@city.test", "role": "staff", "branch_id": "", "password": "een goed wachtwoord",
            ])
            #expect(created.status == .seeOther)
            let newcomer = TestClient(app)
            try await newcomer.signInPages("nina@city.test", password: "een goed wachtwoord")
            #expect(try await newcomer.send(.GET, "/staff").status == .ok)
        }
    }
}

/// The focus ring must stand out at 3:1 or more against the backgrounds it is drawn on (WCAG 2.2,
/// non-text contrast and focus appearance): the page's white and the header's and tables' soft tints.
@Suite struct FocusRingTests {
    static func luminance(_ hex: String) -> Double {
        let value = Int(hex.dropFirst(), radix: 16)!
        func channel(_ shift: Int) -> Double {
            let c = Double((value >> shift) & 0xff) / 255
            return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0)
    }

    static func contrast(_ a: String, _ b: String) -> Double {
        let (x, y) = (luminance(a), luminance(b))
        return (max(x, y) + 0.05) / (min(x, y) + 0.05)
    }

    @Test func theFocusRingHasThreeToOneAgainstThePageBackgrounds() async throws {
        let css = try String(contentsOf: Resources.directory.appendingPathComponent("Public/css/bieb.css"), encoding: .utf8)
        let rule = try #require(css.split(separator: "\n").first { $0.hasPrefix(":focus-visible") })
        let colour = try #require(rule.firstMatch(of: /outline: \d+px solid (#[0-9a-fA-F]{6})/)?.output.1)
        // The amber ring it had (#ffbf47) was about 1.6:1 on white.
        #expect(Self.contrast("#ffbf47", "#ffffff") < 3)
        for background in ["#ffffff", "#f3f5f8", "#eef6ff", "#e8f4ec", "#fdecee", "#eceef2"] {
            #expect(Self.contrast(String(colour), background) >= 3, "focus ring \(colour) on \(background)")
        }
    }

    /// The rules that keep a 320 px phone from scrolling sideways (scripts/check-layout.sh checks the pages
    /// themselves in a real browser in CI): a grid column never asks for more than the width there is,
    /// fieldsets and pre-formatted text may shrink, table cells and long words wrap, buttons wrap.
    @Test func thePageRulesFitAPhone() throws {
        let css = try String(contentsOf: Resources.directory.appendingPathComponent("Public/css/bieb.css"), encoding: .utf8)
        let fixedColumns = css.matches(of: /minmax\(\d+(\.\d+)?rem/).map { String($0.output.0) }
        #expect(fixedColumns.isEmpty, "grid columns wider than a phone: \(fixedColumns)")
        let rules = css.split(separator: "\n")
        func rule(_ selector: String) -> String { rules.filter { $0.hasPrefix(selector + " {") }.joined() }
        #expect(rule("fieldset").contains("min-width: 0"))
        #expect(rule("pre").contains("overflow-x: auto"))
        #expect(rule("th, td").contains("overflow-wrap: anywhere"))
        #expect(rule(".search-row input").contains("min-width: 0"))
        #expect(css.contains("max-width: 100%; white-space: normal;"))  // buttons
    }
}

