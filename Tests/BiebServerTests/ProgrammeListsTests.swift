import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport
@testable import BiebServer

/// Series and external venues changed and removed (issue 18), over the API (`PUT`, `DELETE`) and on
/// their own staff pages: the same checks both ways, removal refused while activities use one.
@Suite("Programme lists: series and venues") struct ProgrammeListsTests {
    typealias S = SpaceBookingTests

    /// An activity at `venue` in `series` (planned through the API).
    static func plan(_ staff: TestClient, _ f: Fixture, series: Int, venue: String) async throws {
        let planned = try await staff.send(.POST, "/api/v1/activities", object: ProgrammeTests.activity(
            f, space: nil, sessions: [(S.tuesday(14), S.tuesday(16))], extra: ["series_id": series, "venue_id": venue]))
        #expect(planned.status == .created, "\(planned.body.string)")
    }

    @Test(arguments: TestDatabase.all)
    func seriesAndVenuesAreChangedAndRemovedOverTheAPI(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Fixture.make(on: app)
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)
            let series = try object(try await staff.send(.POST, "/api/v1/activity-series", object: ["title": "Stadsgesprekken"]))
            let seriesID = try #require(series["id"] as? Int)
            let venue = try object(try await staff.send(.POST, "/api/v1/venues", object: ["name": "Buurthuis De Mussen", "address": "De Mussenstraat 1"]))
            let venueID = try #require(venue["id"] as? String)

            // Changed with the fields it was made with; the same checks.
            let changed = try await staff.send(.PUT, "/api/v1/activity-series/\(seriesID)", object: ["title": " Stadsgesprekken 2027 ", "description": "Elke eerste donderdag"])
            #expect(changed.status == .ok, "\(changed.body.string)")
            #expect(try object(changed)["title"] as? String == "Stadsgesprekken 2027")
            #expect(try await staff.send(.PUT, "/api/v1/activity-series/\(seriesID)", object: ["title": ""]).apiError?.field == "title")
            #expect(try await staff.send(.PUT, "/api/v1/activity-series/999999", object: ["title": "X"]).status == .notFound)
            let moved = try await staff.send(.PUT, "/api/v1/venues/\(venueID)", object: [
                "name": "Buurthuis De Mus", "address": "De Mussenstraat 3", "notes": "Sleutel bij de beheerder", "branch_id": f.district.uuidString])
            #expect(moved.status == .ok, "\(moved.body.string)")
            #expect((try object(moved)["branch_id"] as? String).flatMap(UUID.init(uuidString:)) == f.district)
            #expect(try await staff.send(.PUT, "/api/v1/venues/\(venueID)", object: ["name": "Buurthuis", "address": ""]).apiError?.field == "address")
            #expect(try await staff.send(.PUT, "/api/v1/venues/\(venueID)", object: ["name": "Buurthuis", "address": "Straat 1", "branch_id": "centrale"]).apiError?.field == "branch_id")
            let venues = try list(try await staff.send(.GET, "/api/v1/venues"))
            #expect(venues.map { $0["notes"] as? String } == ["Sleutel bij de beheerder"])

            // In use: removal refused, naming how many; nothing removed.
            try await Self.plan(staff, f, series: seriesID, venue: venueID)
            let refusedSeries = try await staff.send(.DELETE, "/api/v1/activity-series/\(seriesID)", headers: ["Accept-Language": "nl"])
            #expect(refusedSeries.status == .conflict)
            #expect(refusedSeries.apiError?.code == "series_in_use")
            #expect(refusedSeries.apiError?.message.contains("Er hoort 1 activiteit bij deze reeks") == true)
            let refusedVenue = try await staff.send(.DELETE, "/api/v1/venues/\(venueID)", headers: ["Accept-Language": "en"])
            #expect(refusedVenue.apiError?.code == "venue_in_use")
            #expect(refusedVenue.apiError?.message.contains("1 activity takes place at this venue") == true)
            #expect(try list(try await staff.send(.GET, "/api/v1/activity-series")).count == 1)

            // Not in use: removed; partners and volunteers may not; another organisation does not find it.
            let spare = try #require(try object(try await staff.send(.POST, "/api/v1/activity-series", object: ["title": "Reserve"]))["id"] as? Int)
            let partner = TestClient(app)
            try await partner.signInAPI(Fixture.partner, password: Fixture.password)
            #expect(try await partner.send(.DELETE, "/api/v1/activity-series/\(spare)").status == .forbidden)
            let volunteer = TestClient(app)
            try await volunteer.signInAPI(Fixture.volunteer, password: Fixture.password)
            #expect(try await volunteer.send(.PUT, "/api/v1/activity-series/\(spare)", object: ["title": "X"]).status == .forbidden)
            let town = TestClient(app)
            try await town.signInAPI(Fixture.townAdmin, password: Fixture.password)
            #expect(try await town.send(.DELETE, "/api/v1/activity-series/\(spare)").status == .notFound)
            #expect(try await staff.send(.DELETE, "/api/v1/activity-series/\(spare)").status == .noContent)
            #expect(try await staff.send(.DELETE, "/api/v1/activity-series/\(spare)").status == .notFound)
            let unused = try #require(try object(try await staff.send(.POST, "/api/v1/venues", object: ["name": "Wijkcentrum", "address": "Laan 1"]))["id"] as? String)
            #expect(try await staff.send(.DELETE, "/api/v1/venues/\(unused)").status == .noContent)
            #expect(try list(try await staff.send(.GET, "/api/v1/venues")).count == 1)
        }
    }

    @Test(arguments: TestDatabase.all)
    func seriesAndVenuesAreChangedAndRemovedOnTheirPages(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let f = try await Fixture.make(on: app)
            let api = TestClient(app)
            try await api.signInAPI(Fixture.staff, password: Fixture.password)
            let seriesID = try #require(try object(try await api.send(.POST, "/api/v1/activity-series", object: ["title": "Stadsgesprekken"]))["id"] as? Int)
            let venueID = try #require(try object(try await api.send(.POST, "/api/v1/venues", object: ["name": "Buurthuis De Mussen", "address": "De Mussenstraat 1"]))["id"] as? String)
            let staff = TestClient(app)
            try await staff.signInPages(Fixture.staff, password: Fixture.password)

            // The lists page links each series and venue to its own page.
            let lists = try await staff.send(.GET, "/staff/programma/lijsten").body.string
            let seriesURL = "/staff/programma/lijsten/reeksen/\(seriesID)"
            let venueURL = "/staff/programma/lijsten/locaties/\(venueID)"
            #expect(lists.contains(#"<a href="\#(seriesURL)">Stadsgesprekken</a>"#))
            #expect(lists.contains(#"<a href="\#(venueURL)">Buurthuis De Mussen, De Mussenstraat 1</a>"#))
            let seriesPage = try await staff.send(.GET, seriesURL)
            #expect(seriesPage.status == .ok)
            let csrf = try #require(TestClient.csrf(in: seriesPage.body.string))
            #expect(seriesPage.body.string.contains(##"action="\##(seriesURL)#fout""##))
            #expect(seriesPage.body.string.contains(#"id="series_title" name="title" required maxlength="200" value="Stadsgesprekken""#))

            // Refused: the page again (400), the error at the title and in the summary, what was typed kept.
            let bad = try await staff.send(.POST, seriesURL, form: ["csrf": csrf, "title": " ", "description": "Elke eerste donderdag"])
            #expect(bad.status == .badRequest)
            let badPage = bad.body.string
            #expect(TestClient.errorSummary(in: badPage).contains("Geef de reeks een titel"))
            #expect(badPage.contains(##"<a href="#series_title">"##) && badPage.contains(#"<span class="field-error" id="series_title-error">"#))
            #expect(badPage.contains(">Elke eerste donderdag</textarea>"))
            // Saved: back to the lists; the API sees the change.
            let saved = try await staff.send(.POST, seriesURL, form: ["csrf": csrf, "title": "Stadsgesprekken 2027", "description": "Elke eerste donderdag"])
            #expect(saved.headers.first(name: .location) == "/staff/programma/lijsten?done=programme_list_saved")
            #expect(try list(try await api.send(.GET, "/api/v1/activity-series")).first?["description"] as? String == "Elke eerste donderdag")

            // A venue: the branch chosen on the form; an address left empty is refused at its field.
            let badVenue = try await staff.send(.POST, venueURL, form: ["csrf": csrf, "name": "Buurthuis", "address": "", "notes": "Achteringang",
                                                                       "branch_id": f.district.uuidString])
            #expect(badVenue.status == .badRequest)
            #expect(badVenue.body.string.contains(#"<span class="field-error" id="venue_address-error">"#))
            #expect(badVenue.body.string.contains(">Achteringang</textarea>"))
            #expect(badVenue.body.string.contains(#"<option value="\#(f.district.uuidString)" selected>"#))
            let savedVenue = try await staff.send(.POST, venueURL, form: ["csrf": csrf, "name": "Buurthuis De Mus", "address": "De Mussenstraat 3",
                                                                         "notes": "Achteringang", "branch_id": ""])
            #expect(savedVenue.status == .seeOther)

            // Removing asks first; in use, it is refused on the venue's page (409), naming how many.
            try await ProgrammeListsTests.plan(api, f, series: seriesID, venue: venueID)
            let venuePage = try await staff.send(.GET, venueURL).body.string
            #expect(venuePage.contains("Er vindt 1 activiteit plaats op deze locatie."))
            let ask = try await staff.send(.POST, venueURL + "/verwijderen", form: ["csrf": csrf])
            #expect(ask.status == .ok)
            #expect(ask.body.string.contains("De locatie ‘Buurthuis De Mus’ verwijderen?"))
            #expect(ask.body.string.contains(##"action="\##(venueURL)/verwijderen#fout""##))
            let refused = try await staff.send(.POST, venueURL + "/verwijderen", form: ["csrf": csrf, "confirm": "yes"])
            #expect(refused.status == .conflict)
            #expect(TestClient.errorSummary(in: refused.body.string).contains("Er vindt 1 activiteit plaats op deze locatie: verplaats die eerst."))
            #expect(try list(try await api.send(.GET, "/api/v1/venues")).count == 1)

            // Not in use: removed after the question, and gone from the lists page.
            let spare = try #require(try object(try await api.send(.POST, "/api/v1/activity-series", object: ["title": "Reserve"]))["id"] as? Int)
            let removed = try await staff.send(.POST, "/staff/programma/lijsten/reeksen/\(spare)/verwijderen", form: ["csrf": csrf, "confirm": "yes"])
            #expect(removed.headers.first(name: .location) == "/staff/programma/lijsten?done=programme_list_removed")
            let after = try await staff.send(.GET, "/staff/programma/lijsten?done=programme_list_removed").body.string
            #expect(!after.contains("Reserve") && after.contains("Verwijderd."))
            #expect(try await staff.send(.GET, "/staff/programma/lijsten/reeksen/\(spare)").status == .notFound)
            // Partners do not keep the library's lists.
            let partner = TestClient(app)
            try await partner.signInPages(Fixture.partner, password: Fixture.password)
            #expect(try await partner.send(.GET, seriesURL).status == .forbidden)
        }
    }
}
