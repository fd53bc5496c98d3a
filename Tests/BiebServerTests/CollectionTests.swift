import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Issue 20, the collection plan, through the API and the pages: segment
/// figures per branch and level, thresholds, a weeding list reviewed and
/// signed off, a purchase suggestion turned into an order, and a balance
/// transfer list carried out by the transfer flow.
@Suite("Collection plan") struct CollectionTests {
    /// The test city with lending history on its copies: central's first copies busy, its second copies idle for years,
    /// the district's copies never lent; a manager account.
    static func world(_ app: Application) async throws -> CirculationFixture {
        let f = try await CirculationFixture.make(on: app, today: LocalDate(Date(), in: BranchCalendar.amsterdam))
        _ = try await AccountAdmin.create(email: "directie@city.test", name: "Dirk Directie", role: .manager, organisation: "city",
                                          branch: nil, password: Fixture.password, app: app)
        for n in 1...6 {
            try await setCopyCounters(app, barcode: "B\(n)C1", total: 40, year: 4, lastLoan: LocalDate(Date(), in: BranchCalendar.amsterdam).adding(days: -10).iso)
            try await setCopyCounters(app, barcode: "B\(n)C2", total: n == 3 ? 90 : 5, year: n <= 2 ? 0 : 3, lastLoan: n <= 2 ? "2019-01-01" : "2026-10-01")
            try await setCopyCounters(app, barcode: "B\(n)O1", total: 0, year: 0, lastLoan: nil, acquired: "2018-01-01")
            try await setCopyCounters(app, barcode: "D\(n)C1", total: 20, year: 2, lastLoan: "2026-09-01")
        }
        return f
    }

    @Test(arguments: TestDatabase.all)
    func segmentFiguresPerLevelBranchAndListWithSmallCellsOutside(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Self.world(app)
            let api = TestClient(app)
            try await api.signInAPI("directie@city.test", password: Fixture.password)
            let parts = try object(try await api.send(.GET, "/api/v1/collection/segments?branch=centrale"))
            let lines = try #require(parts["lines"] as? [[String: Any]])
            // Central: 12 adult-fiction books (no NUR) and 6 DVDs.
            #expect(lines.map { $0["name"] as? String } == ["Volwassenen fictie", "Audiovisueel"])
            let books = try #require(lines.first?["figures"] as? [String: Any])
            #expect(books["holdings"] as? Int == 12)
            #expect(books["loans"] as? Int == 36)
            #expect(books["turnover"] as? Double == 3)
            // Adult fiction is dead after 36 months: the two copies last lent in 2019.
            #expect(books["dead"] as? Int == 2)
            // DVDs: 12 loans on 6 copies.
            let dvds = try #require(lines.last?["figures"] as? [String: Any])
            #expect(dvds["loans_shown"] as? String == "12")
            // Relative use within the branch: books 36/48 of the loans on 12/18 of the shelf.
            #expect(abs((lines.first?["relative_use"] as? Double ?? 0) - 1.125) < 0.001)
            // The district lent nothing in a year: under 5 leaves as "<5", with its turnover left out; its holdings are exact.
            let branches = try object(try await api.send(.GET, "/api/v1/collection/branches?part=adult_fiction"))
            let oost = try #require((branches["lines"] as? [[String: Any]])?.first { $0["key"] as? String == "oost" })
            let oostFigures = try #require(oost["figures"] as? [String: Any])
            #expect(oostFigures["loans_shown"] as? String == "<5")
            #expect(oostFigures["loans"] == nil || oostFigures["loans"] is NSNull)
            #expect(oostFigures["turnover"] == nil || oostFigures["turnover"] is NSNull)
            #expect(oostFigures["holdings"] as? Int == 6 && oostFigures["dead"] as? Int == 6)
            // The full level names format, part and heading.
            let full = try object(try await api.send(.GET, "/api/v1/collection/segments?level=full"))
            #expect((full["lines"] as? [[String: Any]])?.map { $0["key"] as? String } == ["book.adult_fiction.-", "dvd.audiovisual.-"])
            #expect(try await api.send(.GET, "/api/v1/collection/segments?level=shelf").apiError?.field == "level")
            #expect(try await api.send(.GET, "/api/v1/collection/segments?branch=nowhere").apiError?.field == "branch")
            // A curated list is a segment of its own.
            let lists = TitleLists(app.db, organisationID: f.network.city)
            let films = TitleList(organisationID: f.network.city, slug: "films", name: "Films")
            try await lists.save(films)
            try await lists.add(try #require(f.titles["dvd-1"]), to: films.id!)
            let curated = try list(try await api.send(.GET, "/api/v1/collection/lists"))
            #expect(curated.first?["slug"] as? String == "films")
            #expect((curated.first?["figures"] as? [String: Any])?["holdings"] as? Int == 1)
            // A manager reads the figures but does not weed; a volunteer sees neither.
            #expect(try await api.send(.POST, "/api/v1/collection/weeding-lists", json: ["branch": "centrale"]).status == .forbidden)
            let volunteer = TestClient(app)
            try await volunteer.signInAPI(Fixture.volunteer, password: Fixture.password)
            #expect(try await volunteer.send(.GET, "/api/v1/collection/segments").status == .forbidden)
            // Another organisation's admin sees its own (empty) collection, not the city's.
            let town = TestClient(app)
            try await town.signInAPI(Fixture.townAdmin, password: Fixture.password)
            #expect(try object(try await town.send(.GET, "/api/v1/collection/segments"))["lines"] as? [Any] != nil)
            #expect((try object(try await town.send(.GET, "/api/v1/collection/segments"))["lines"] as? [Any])?.isEmpty == true)
        }
    }

    @Test(arguments: TestDatabase.all)
    func thresholdsAreSetPerPartAndHeadingThroughApiAndForm(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await Self.world(app)
            let (api, pages) = try await signedInBothWays(app, Fixture.staff, password: Fixture.password)
            let set = try list(try await api.send(.PUT, "/api/v1/collection/thresholds",
                                                  json: ["part": "adult_non_fiction", "heading": "600", "max_age_years": "7", "idle_months": "30",
                                                         "worn_loans": "70", "loans_per_copy": "5"]))
            let own = try #require(set.first { $0["part"] as? String == "adult_non_fiction" && $0["heading"] as? Int == 600 })
            #expect(own["own"] as? Bool == true && own["max_age_years"] as? Int == 7 && own["idle_months"] as? Int == 30)
            #expect(set.contains { $0["part"] as? String == "youth_fiction" && $0["heading"] as? Int == 270 && $0["worn_loans"] as? Int == 40 })
            let bad = try await api.send(.PUT, "/api/v1/collection/thresholds", json: ["part": "adult_fiction", "idle_months": "2", "worn_loans": "80",
                                                                                       "loans_per_copy": "6"])
            #expect(bad.status == .badRequest && bad.apiError?.field == "idle_months")
            #expect(try await api.send(.PUT, "/api/v1/collection/thresholds", json: ["part": "adult_fiction", "heading": "305", "idle_months": "24",
                                                                                     "worn_loans": "80", "loans_per_copy": "6"]).apiError?.field == "heading")
            // The form: an error next to its field and in the summary, everything typed kept.
            let page = try await pages.send(.GET, "/staff/collectie/drempels")
            #expect(page.status == .ok && page.body.string.contains("NUR 270"))
            let csrf = try #require(TestClient.csrf(in: page.body.string))
            let refused = try await pages.send(.POST, "/staff/collectie/drempels", form: [
                "csrf": csrf, "part": "youth_non_fiction", "heading": "", "max_age_years": "6", "idle_months": "18", "worn_loans": "3", "loans_per_copy": "6"])
            #expect(refused.status == .unprocessableEntity)
            #expect(TestClient.errorSummary(in: refused.body.string).contains("Versleten"))
            #expect(refused.body.string.contains(#"id="worn_loans-error""#))
            #expect(refused.body.string.contains(#"name="idle_months" inputmode="numeric" required value="18""#))
            #expect(refused.body.string.contains(#"<option value="youth_non_fiction" selected>"#))
            let saved = try await pages.send(.POST, "/staff/collectie/drempels", form: [
                "csrf": csrf, "part": "youth_non_fiction", "heading": "", "max_age_years": "6", "idle_months": "18", "worn_loans": "45", "loans_per_copy": "6"])
            #expect(saved.status == .seeOther)
            let policy = try await WeedingSettings(app.db, organisationID: try #require(try await Organisation.query(on: app.db).filter(\.$slug == "city").first()?.id)).policy()
            #expect(policy.thresholds(part: .youthNonFiction, heading: 250) == WeedingThresholds(maxAgeYears: 6, idleMonths: 18, wornLoans: 45, loansPerCopy: 6))
        }
    }

    @Test(arguments: TestDatabase.all)
    func aWeedingListIsMadeReviewedSignedOffAndExported(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await Self.world(app)
            let (api, pages) = try await signedInBothWays(app, Fixture.staff, password: Fixture.password)
            // Through the pages: make the central library's list.
            let index = try await pages.send(.GET, "/staff/collectie/wieden")
            let csrf = try #require(TestClient.csrf(in: index.body.string))
            let made = try await pages.send(.POST, "/staff/collectie/wieden", form: ["csrf": csrf, "branch": "centrale"])
            #expect(made.status == .seeOther)
            let location = try #require(made.headers.first(name: .location)).split(separator: "?").first.map(String.init) ?? ""
            let id = try #require(Int(location.split(separator: "/").last ?? ""))
            // A second open list for the branch is refused, on the page and in the API.
            let again = try await pages.send(.POST, "/staff/collectie/wieden", form: ["csrf": csrf, "branch": "centrale"])
            #expect(again.status == .conflict && TestClient.errorSummary(in: again.body.string).contains("open"))
            #expect(try await api.send(.POST, "/api/v1/collection/weeding-lists", json: ["branch": "centrale"]).apiError?.code == "weeding_list_open")
            let listed = try object(try await api.send(.GET, "/api/v1/collection/weeding-lists/\(id)"))
            let lines = try #require(listed["lines"] as? [[String: Any]])
            // B1C2, B2C2 idle for years and surplus; B3C2 worn.
            #expect(Set(lines.compactMap { $0["barcode"] as? String }) == ["B1C2", "B2C2", "B3C2"])
            func line(_ barcode: String) -> Int { lines.first { $0["barcode"] as? String == barcode }?["id"] as? Int ?? 0 }
            // A page of the lines, in the same order.
            let second = try object(try await api.send(.GET, "/api/v1/collection/weeding-lists/\(id)?page=2&per_page=2"))
            #expect(second["page"] as? Int == 2 && second["per_page"] as? Int == 2 && (second["list"] as? [String: Any])?["lines"] as? Int == 3)
            #expect((second["lines"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [lines[2]["id"] as? Int ?? -1])
            // The review form: keeping without a reason is refused next to that copy, and what was chosen stays.
            let review = try await pages.send(.GET, "/staff/collectie/wieden/\(id)")
            #expect(review.status == .ok && review.body.string.contains("B3C2"))
            let refused = try await pages.send(.POST, "/staff/collectie/wieden/\(id)/beoordelen", form: [
                "csrf": csrf, "decision_\(line("B1C2"))": "withdraw", "decision_\(line("B3C2"))": "keep", "note_\(line("B3C2"))": ""])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains(#"id="note_\#(line("B3C2"))-error""#))
            #expect(refused.body.string.contains(##"href="#note_\##(line("B3C2"))""##))
            #expect(refused.body.string.contains(#"name="decision_\#(line("B1C2"))" value="withdraw" checked"#))
            // Signing off before every copy is decided is refused.
            #expect(try await api.send(.POST, "/api/v1/collection/weeding-lists/\(id)/sign-off").apiError?.code == "weeding_list_undecided")
            // Only the rest can be withdrawn at once: keeping needs a note per copy.
            let keepAll = try await api.send(.POST, "/api/v1/collection/weeding-lists/\(id)/review", headers: ["content-type": "application/json"],
                                            body: #"{"lines": [], "undecided": "keep"}"#)
            #expect(keepAll.status == .badRequest && keepAll.apiError?.field == "undecided")
            let saved = try await pages.send(.POST, "/staff/collectie/wieden/\(id)/beoordelen", form: [
                "csrf": csrf, "decision_\(line("B3C2"))": "keep", "note_\(line("B3C2"))": "Net opnieuw gebonden", "undecided": "withdraw"])
            #expect(saved.status == .seeOther)
            // The disposal list is there once signed off.
            #expect(try await api.send(.GET, "/api/v1/collection/weeding-lists/\(id)/disposal.csv").status == .conflict)
            // B2C2 goes out on loan meanwhile: it stays.
            #expect(try await api.send(.POST, "/api/v1/circulation/checkout",
                                       json: ["card": CirculationFixture.adultCard, "item": "B2C2", "branch": "centrale"]).status == .ok)
            let signed = try await pages.send(.POST, "/staff/collectie/wieden/\(id)/aftekenen", form: ["csrf": csrf])
            #expect(signed.status == .ok)
            #expect(signed.body.string.contains("Afgetekend:"))
            #expect(signed.body.string.contains("B2C2"))
            let summary = try object(try await api.send(.GET, "/api/v1/collection/weeding-lists/\(id)"))
            #expect((summary["list"] as? [String: Any])?["status"] as? String == "signed")
            #expect((summary["list"] as? [String: Any])?["withdrawn"] as? Int == 1)
            #expect((summary["list"] as? [String: Any])?["signed_by"] as? String == Fixture.staff)
            let csv = try await api.send(.GET, "/api/v1/collection/weeding-lists/\(id)/disposal.csv")
            #expect(csv.status == .ok && csv.headers.contentType?.subType == "csv")
            #expect(csv.body.string.contains("B1C2") && !csv.body.string.contains("B2C2") && !csv.body.string.contains("B3C2"))
            let page = try await pages.send(.GET, "/staff/collectie/wieden/\(id)/afvoer.csv")
            #expect(page.body.string == csv.body.string)
            // Signed twice: the second is told.
            #expect(try await api.send(.POST, "/api/v1/collection/weeding-lists/\(id)/sign-off").apiError?.code == "weeding_list_closed")
            // A manager may not sign off.
            let manager = TestClient(app)
            try await manager.signInAPI("directie@city.test", password: Fixture.password)
            #expect(try await manager.send(.POST, "/api/v1/collection/weeding-lists/\(id)/sign-off").status == .forbidden)
        }
    }

    @Test(arguments: TestDatabase.all)
    func aPurchaseSuggestionBecomesAnOrder(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Self.world(app)
            let desk = Circulation(app.db, organisationID: f.network.city)
            let dvd = try #require(f.titles["dvd-4"])
            // Four holds on dvd-4's one copy, all to collect at the district library, which has none.
            var members = [f.adult, f.youth]
            for n in 0..<2 {
                let member = try await MemberDirectory(app.db, organisationID: f.network.city).register(MemberRegistration(
                    details: MemberDraft(name: "Lid \(n)", birthDate: "1990-01-0\(n + 1)", email: nil, street: "Spui 1", postcode: "2511 BT", city: "Den Haag"),
                    homeBranch: f.network.central, membershipType: "basis", card: "A20\(n)"), today: LocalDate(Date(), in: BranchCalendar.amsterdam))
                try await desk.pay(member: member.id!, cents: 2900, at: Circulation.Desk(branch: f.network.central))
                members.append(member.id!)
            }
            for member in members { _ = try await desk.placeHold(member: member, title: dvd, pickup: f.network.district, at: Circulation.Desk(branch: f.network.central)) }
            let (api, pages) = try await signedInBothWays(app, Fixture.staff, password: Fixture.password)
            let suggestions = try list(try await api.send(.GET, "/api/v1/collection/purchase-suggestions"))
            #expect(suggestions.contains { $0["title_id"] as? Int == dvd && $0["reason"] as? String == "queue" && $0["copies"] as? Int == 1 && $0["holds"] as? Int == 4 })
            #expect(suggestions.contains { $0["title_id"] as? Int == dvd && $0["reason"] as? String == "missing_at_branch" && $0["branch"] as? String == "oost" })
            // The page: the order form with a bad day is refused next to that suggestion's field, the copies typed kept.
            let page = try await pages.send(.GET, "/staff/collectie/aankoop")
            #expect(page.status == .ok && page.body.string.contains("Film 4"))
            let csrf = try #require(TestClient.csrf(in: page.body.string))
            let key = "\(dvd)-queue-all"
            let refused = try await pages.send(.POST, "/staff/collectie/aankoop/bestellen", form: [
                "csrf": csrf, "form_key": key, "title": String(dvd), "reason": "queue", "branch": "oost", "copies": "2", "expected_on": "2020-01-01"])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains(#"id="expected_on-\#(key)-error""#))
            #expect(refused.body.string.contains(#"id="copies-\#(key)" name="copies" inputmode="numeric" value="2""#))
            let ordered = try await pages.send(.POST, "/staff/collectie/aankoop/bestellen", form: [
                "csrf": csrf, "form_key": key, "title": String(dvd), "reason": "queue", "branch": "oost", "copies": "1", "expected_on": ""])
            #expect(ordered.status == .seeOther)
            // The copy on order for the district answers both suggestions.
            #expect(!(try list(try await api.send(.GET, "/api/v1/collection/purchase-suggestions"))).contains { $0["title_id"] as? Int == dvd })
            let orders = try list(try await api.send(.GET, "/api/v1/collection/orders"))
            #expect(orders.count == 1 && orders.first?["branch"] as? String == "oost" && orders.first?["reason"] as? String == "queue")
            let orderID = try #require(orders.first?["id"] as? Int)
            // Received: closed; the API refuses to close it again.
            #expect(try await api.send(.POST, "/api/v1/collection/orders/\(orderID)/close", json: ["status": "received"]).status == .noContent)
            #expect(try await api.send(.POST, "/api/v1/collection/orders/\(orderID)/close", json: ["status": "cancelled"]).apiError?.code == "order_closed")
            #expect(try list(try await api.send(.GET, "/api/v1/collection/orders?status=received")).count == 1)
            // Now the suggestions are back (the order was received, the copies not catalogued in this test); one is dismissed with a reason.
            #expect(try await api.send(.POST, "/api/v1/collection/purchase-suggestions/dismiss",
                                       json: ["title": "\(dvd)", "reason": "queue", "copies": "1", "note": ""]).apiError?.field == "note")
            #expect(try await api.send(.POST, "/api/v1/collection/purchase-suggestions/dismiss",
                                       json: ["title": "\(dvd)", "reason": "queue", "copies": "1", "note": "Staat op de uitlooplijst"]).status == .noContent)
            let left = try list(try await api.send(.GET, "/api/v1/collection/purchase-suggestions"))
            #expect(!left.contains { $0["title_id"] as? Int == dvd && $0["reason"] as? String == "queue" })
        }
    }

    @Test(arguments: TestDatabase.all)
    func aBalanceTransferListIsCarriedOutByTheTransferFlow(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Self.world(app)
            let (api, pages) = try await signedInBothWays(app, Fixture.staff, password: Fixture.password)
            // Capacities from the page's form: central has room for 9 adult-fiction books, the district for 8.
            let page = try await pages.send(.GET, "/staff/collectie/balans")
            #expect(page.status == .ok && page.body.string.contains("capacity_centrale_adult_fiction"))
            let csrf = try #require(TestClient.csrf(in: page.body.string))
            let bad = try await pages.send(.POST, "/staff/collectie/balans/capaciteit", form: ["csrf": csrf, "capacity_centrale_adult_fiction": "veel",
                                                                                               "capacity_oost_adult_fiction": "8"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains(#"id="capacity_centrale_adult_fiction-error""#))
            #expect(bad.body.string.contains(#"value="veel""#))
            #expect(try await pages.send(.POST, "/staff/collectie/balans/capaciteit", form: ["csrf": csrf, "capacity_centrale_adult_fiction": "9",
                                                                                            "capacity_oost_adult_fiction": "8"]).status == .seeOther)
            let plan = try object(try await api.send(.GET, "/api/v1/collection/balance"))
            #expect((plan["moves"] as? [[String: Any]])?.first?["copies"] as? Int == 2)
            // Not floating yet: the list is refused with the reason.
            #expect(try await api.send(.POST, "/api/v1/collection/balance/transfers").apiError?.code == "not_floating")
            var settings = try await LoanRuleStore(app.db, organisationID: f.network.city).settings()
            settings.floating = true
            try await LoanRuleStore(app.db, organisationID: f.network.city).save(settings)
            let made = try await api.send(.POST, "/api/v1/collection/balance/transfers")
            #expect(made.status == .created)
            let transfers = try list(made)
            #expect(transfers.count == 2 && transfers.allSatisfy { $0["from"] as? String == "centrale" && $0["to"] as? String == "oost" && $0["sent"] as? Bool == false })
            let barcode = try #require(transfers.first?["barcode"] as? String)
            // Scanned to send on the page; a barcode without a transfer is refused next to the field.
            let wrong = try await pages.send(.POST, "/staff/collectie/balans/verzenden", form: ["csrf": csrf, "branch": "centrale", "barcode": "D1C1"])
            #expect(wrong.status == .notFound || wrong.status == .conflict)
            #expect(wrong.body.string.contains(#"id="barcode-error""#))
            let sent = try await pages.send(.POST, "/staff/collectie/balans/verzenden", form: ["csrf": csrf, "branch": "centrale", "barcode": barcode])
            #expect(sent.status == .ok && sent.body.string.contains("onderweg naar"))
            // The district's desk receives it with the return scan; it stays there.
            let desk = try await api.send(.POST, "/api/v1/circulation/checkin", json: ["item": barcode, "branch": "oost"])
            #expect(desk.status == .ok)
            let after = try object(try await api.send(.GET, "/api/v1/collection/balance"))
            #expect((after["transfers"] as? [[String: Any]])?.count == 1)
            #expect(try object(try await api.send(.DELETE, "/api/v1/collection/balance/transfers"))["cancelled"] as? Int == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func theOverviewPageDrawsChartsWithTablesInBothLanguages(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            _ = try await Self.world(app)
            let pages = TestClient(app)
            try await pages.signInPages("directie@city.test", password: Fixture.password)
            let page = try await pages.send(.GET, "/staff/collectie?vestiging=centrale&niveau=full&deel=adult_fiction")
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("<svg") && html.contains(#"role="img""#))
            #expect(html.contains("<caption>Segmenten"))
            #expect(html.contains("Volwassenen fictie · Boeken · zonder NUR"))
            #expect(html.contains("Omloopsnelheid"))
            // A manager sees no weeding buttons.
            #expect(!html.contains("/staff/collectie/wieden\""))
            let english = try await pages.send(.GET, "/staff/collectie?lang=en")
            #expect(english.body.string.contains("Turnover") && english.body.string.contains("Adult fiction"))
            // The language chosen is remembered: the download is in English too.
            let csv = try await pages.send(.GET, "/staff/collectie/segmenten.csv?vestiging=centrale")
            #expect(csv.status == .ok && csv.body.string.contains("Adult fiction,12,36,3.0,1.125,2,0.167"), "\(csv.body.string)")
            let branches = try await pages.send(.GET, "/staff/collectie/vestigingen.csv?deel=adult_fiction")
            #expect(branches.body.string.contains("<5"))
            #expect(try await pages.send(.GET, "/staff/collectie?niveau=shelf").status == .badRequest)
        }
    }

    @Test(arguments: TestDatabase.all)
    func anActivityShowsItsThemesShelfAndGetsAListOfIt(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Self.world(app)
            let zone = BranchCalendar.amsterdam
            // The DVDs are about computers (NUR 985), lent 2 times a year each at the central library.
            // Changed straight in the table: the copies' shelf keys go with it, and the reports read those copies through their titles.
            for n in 1...3 {
                let title = try #require(f.titles["dvd-\(n)"])
                try await app.db.sql.update(Title.schema).set("nur", to: 985).where("id", .equal, title).run()
                try await app.db.sql.update(Item.schema).set("shelf", to: SQLLiteral.null).where("title_id", .equal, title).run()
            }
            let day = LocalDate(Date(), in: zone).adding(days: 14)
            var input = ActivityInput(branchID: f.network.central, kind: "course", title: "Computercursus",
                                      sessions: [TimeRange(start: LocalClock.instant(of: day, minute: 600, in: zone), end: LocalClock.instant(of: day, minute: 720, in: zone))])
            input.themes = ["basic_skills_digital"]
            input.registration = .none
            let programme = Programme(app.db, organisationID: f.network.city, timeZone: zone)
            let id = try await programme.create(input, staff: nil).activity.id
            _ = try await programme.publish(id, staff: nil)
            let (api, pages) = try await signedInBothWays(app, Fixture.staff, password: Fixture.password)
            // No shelf yet: the API says so; the staff page has no box.
            #expect(try await api.send(.GET, "/api/v1/collection/themes/basic_skills_digital/shelf").status == .notFound)
            #expect(!(try await pages.send(.GET, "/staff/programma/\(id)")).body.string.contains("De collectie bij dit thema"))
            // Headings for the theme: through the API, and refused with the field when not a heading or not a theme.
            #expect(try await api.send(.PUT, "/api/v1/collection/themes", json: ThemeBody(theme: "basic_skills_digital", headings: [985])).apiError?.field == "headings")
            #expect(try await api.send(.PUT, "/api/v1/collection/themes", json: ThemeBody(theme: "astrology", headings: [980])).apiError?.field == "theme")
            let themes = try list(try await api.send(.PUT, "/api/v1/collection/themes", json: ThemeBody(theme: "basic_skills_digital", headings: [980])))
            #expect(themes.first { $0["theme"] as? String == "basic_skills_digital" }?["headings"] as? [Int] == [980])
            let shelf = try object(try await api.send(.GET, "/api/v1/collection/themes/basic_skills_digital/shelf?branch=centrale"))
            #expect((shelf["titles"] as? [[String: Any]])?.count == 3)
            #expect((shelf["branch"] as? [String: Any])?["holdings"] as? Int == 3)
            #expect(shelf["from_whole_library"] as? Bool == false)
            // At the district, which has none: the whole library's titles.
            #expect(try object(try await api.send(.GET, "/api/v1/collection/themes/basic_skills_digital/shelf?branch=oost"))["from_whole_library"] as? Bool == true)
            // Once the hourly job gave the copies their shelf keys, the shelf finds them by those keys: the same answer.
            #expect(try await ShelfKeys.fill(on: app.db) == 3)
            let keyed = try object(try await api.send(.GET, "/api/v1/collection/themes/basic_skills_digital/shelf?branch=centrale"))
            #expect((keyed["titles"] as? [[String: Any]])?.count == 3)
            #expect((keyed["branch"] as? [String: Any])?["holdings"] as? Int == 3)
            #expect(try object(try await api.send(.GET, "/api/v1/collection/themes/basic_skills_digital/shelf?branch=oost"))["from_whole_library"] as? Bool == true)
            // The themes page: a typed value that is not a number is refused next to its field and kept.
            let themesPage = try await pages.send(.GET, "/staff/collectie/themas")
            let csrf = try #require(TestClient.csrf(in: themesPage.body.string))
            let refused = try await pages.send(.POST, "/staff/collectie/themas", form: ["csrf": csrf, "theme": "health", "headings": "860, tachtig"])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains(#"id="headings-health-error""#))
            #expect(refused.body.string.contains(#"value="860, tachtig""#))
            #expect(try await pages.send(.POST, "/staff/collectie/themas", form: ["csrf": csrf, "theme": "health", "headings": "860; 870"]).status == .seeOther)
            #expect(try await ThemeShelves(app.db, organisationID: f.network.city).all()["health"] == [860, 870])
            // The activity's staff page shows the shelf; one button makes a list of it, shown with the activity.
            let activityPage = try await pages.send(.GET, "/staff/programma/\(id)")
            #expect(activityPage.body.string.contains("De collectie bij dit thema") && activityPage.body.string.contains("Film 1"))
            let made = try await pages.send(.POST, "/staff/collectie/activiteit/\(id)/lijst", form: ["csrf": csrf])
            #expect(made.status == .seeOther)
            let listing = try #require(try await programme.listing(id))
            let listID = try #require(listing.activity.listID)
            #expect(try await TitleLists(app.db, organisationID: f.network.city).entries(of: listID).count == 3)
            let publicPage = try await TestClient(app).send(.GET, "/city/agenda/\(id)")
            #expect(publicPage.body.string.contains("/city/lijsten/computercursus-"))
            // A manager reads the shelf but may not make the list.
            let manager = TestClient(app)
            try await manager.signInPages("directie@city.test", password: Fixture.password)
            let managerPage = try await manager.send(.GET, "/staff/collectie/themas")
            #expect(managerPage.status == .ok && !managerPage.body.string.contains(#"name="headings""#))
        }
    }

    struct ThemeBody: Encodable, Sendable {
        let theme: String
        let headings: [Int]
    }
}
