import Fluent
import Foundation
import Testing
import Vapor
import BiebCore
import BiebStore
import BiebTestSupport

@Suite("Lists over HTTP") struct ListHTTPTests {
    @Test(arguments: TestDatabase.all)
    func staffMakeListsThePublicSees(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            let titles = try await Title.query(on: app.db).filter(\.$organisationID == fixture.city).sort(\.$id).all()
            let staff = TestClient(app)
            try await staff.signInAPI(Fixture.staff, password: Fixture.password)

            struct Input: Content { var name: String?; var description: String?; var branch: String?; var is_public: Bool? }
            let created = try await staff.send(.POST, "/api/v1/lists", json: Input(name: "Leesclub november", description: "Wat we lezen", is_public: true))
            #expect(created.status == .created)
            let list = try created.json([String: AnyJSON].self)
            let id = try #require(list["id"]?.string)
            #expect(list["slug"]?.string == "leesclub-november")
            #expect(created.headers.first(name: .location) == "/api/v1/lists/\(id)")

            struct Entry: Content { var title_id: Int?; var note: String? }
            #expect(try await staff.send(.POST, "/api/v1/lists/\(id)/titles", json: Entry(title_id: titles[0].id!, note: "Klassieker")).status == .ok)
            #expect(try await staff.send(.POST, "/api/v1/lists/\(id)/titles", json: Entry(title_id: titles[1].id!)).status == .ok)
            let twice = try await staff.send(.POST, "/api/v1/lists/\(id)/titles", json: Entry(title_id: titles[1].id!))
            #expect(twice.status == .conflict)
            #expect(twice.apiError?.code == "already_on_list")
            let missing = try await staff.send(.POST, "/api/v1/lists/\(id)/titles", json: Entry(title_id: nil))
            #expect(missing.status == .badRequest)
            #expect(missing.apiError?.field == "title_id")

            // The public: the list, its titles in order with availability, no staff fields needed.
            let anonymous = TestClient(app)
            let lists = try await anonymous.send(.GET, "/api/v1/organisations/city/lists")
            #expect(lists.status == .ok)
            #expect(try lists.json([[String: AnyJSON]].self).map { $0["count"]?.int } == [2])
            let detail = try await anonymous.send(.GET, "/api/v1/organisations/city/lists/leesclub-november")
            let body = try detail.json([String: AnyJSON].self)
            let listed = try #require(body["titles"]?.array)
            #expect(listed.count == 2)
            #expect(listed.first?.object?["note"]?.string == "Klassieker")
            #expect(listed.first?.object?["title"]?.object?["title"]?.string == titles[0].title)
            let page = try await anonymous.send(.GET, "/city/lijsten/leesclub-november")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("Klassieker"))
            #expect(page.body.string.contains(titles[0].title))
            #expect(try await anonymous.send(.GET, "/city/lijsten").body.string.contains("Leesclub november"))

            // Hidden lists are not public; other organisations do not see them; anonymous writes are refused.
            struct Visibility: Content { var is_public: Bool? }
            #expect(try await staff.send(.PATCH, "/api/v1/lists/\(id)", json: Visibility(is_public: false)).status == .ok)
            #expect(try await anonymous.send(.GET, "/api/v1/organisations/city/lists/leesclub-november").status == .notFound)
            #expect(try await anonymous.send(.GET, "/city/lijsten/leesclub-november").status == .notFound)
            #expect(try await anonymous.send(.POST, "/api/v1/lists", json: Input(name: "x")).status == .unauthorized)
            let town = TestClient(app)
            try await town.signInAPI(Fixture.townAdmin, password: Fixture.password)
            #expect(try await town.send(.GET, "/api/v1/lists/\(id)").status == .notFound)

            // A volunteer may only make lists for their own branch.
            let volunteer = TestClient(app)
            try await volunteer.signInAPI(Fixture.volunteer, password: Fixture.password)
            #expect(try await volunteer.send(.POST, "/api/v1/lists", json: Input(name: "Hele stad")).status == .forbidden)
            #expect(try await volunteer.send(.POST, "/api/v1/lists", json: Input(name: "Buurttips", branch: "buurt")).status == .created)
            #expect(try await volunteer.send(.DELETE, "/api/v1/lists/\(id)").status == .forbidden)

            #expect(try await staff.send(.DELETE, "/api/v1/lists/\(id)/titles/\(titles[0].id!)").status == .noContent)
            #expect(try await staff.send(.DELETE, "/api/v1/lists/\(id)").status == .noContent)
            #expect(try await staff.send(.GET, "/api/v1/lists/\(id)").status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.all)
    func newInTheCollectionPage(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            let store = CatalogStore(app.db, organisationID: fixture.city)
            let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
            let record = TitleRecord(controlNumber: "new-1", title: "Pas verschenen", year: 2026, language: "dut")
            _ = try await store.upsert([try IncomingTitle(marc: MARCMapping.record(for: record), record: record,
                                                          holdings: [Holding(branch: "oost", barcode: "NEW1", acquired: today.adding(days: -2))])],
                                       branches: try await store.branchesBySlug(), defaultBranch: nil)
            let client = TestClient(app)
            let api = try await client.send(.GET, "/api/v1/organisations/city/branches/oost/new")
            #expect(api.status == .ok)
            let titles = try api.json([[String: AnyJSON]].self)
            #expect(titles.first?["acquired"]?.string == today.adding(days: -2).iso)
            let page = try await client.send(.GET, "/city/oost/nieuw")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("Pas verschenen"))
            #expect(try await client.send(.GET, "/city/centrale/nieuw").body.string.contains("niets nieuws"))
            #expect(try await client.send(.GET, "/city/nergens/nieuw").status == .notFound)
        }
    }
}

@Suite("Staff catalogue pages") struct StaffCatalogPageTests {
    @Test(arguments: TestDatabase.all)
    func createEditAndCopies(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            _ = fixture
            let client = TestClient(app)
            try await client.signInPages(Fixture.staff, password: Fixture.password)
            let form = try await client.send(.GET, "/staff/catalogue/new")
            #expect(form.status == .ok)
            let token = try #require(TestClient.csrf(in: form.body.string))

            // A wrong ISBN check digit is named, and nothing is stored.
            var fields = ["csrf": token, "title": "Het Achterhuis", "authors": "Frank, Anne", "year": "1947", "language": "dut",
                          "format": "book", "isbns": "978-90-446-2597-2", "nur": "320", "subjects": "Tweede Wereldoorlog\nDagboeken"]
            let bad = try await client.send(.POST, "/staff/catalogue/new", form: fields)
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("978-90-446-2597-2"))
            #expect(bad.body.string.contains("controlecijfer"))
            #expect(bad.body.string.contains("value=\"Het Achterhuis\""))
            #expect(try await Title.query(on: app.db).count() == 0)
            // A missing title is named too.
            var untitled = fields
            untitled["title"] = " "
            untitled["isbns"] = ""
            #expect(try await client.send(.POST, "/staff/catalogue/new", form: untitled).body.string.contains("titel is verplicht"))

            fields["isbns"] = "90-446-2597-7\n9789044625974"
            let created = try await client.send(.POST, "/staff/catalogue/new", form: fields)
            #expect(created.status == .seeOther)
            let title = try #require(try await Title.query(on: app.db).first())
            #expect(title.isbns == "9789044625974")
            #expect(title.nur == 320)
            #expect(created.headers.first(name: .location) == "/staff/catalogue/\(title.id!)?done=saved")
            // The new title is found at once.
            let search = try await TestClient(app).send(.GET, "/api/v1/organisations/city/search?q=achterhuis")
            #expect(try search.json([String: AnyJSON].self)["total"]?.int == 1)

            // Editing keeps what the form does not show, and the page shows the MARC record.
            let edit = try await client.send(.GET, "/staff/catalogue/\(title.id!)")
            #expect(edit.body.string.contains("245 10 $a Het Achterhuis"))
            #expect(edit.body.string.contains("020 ## $a 9789044625974"))
            fields["csrf"] = try #require(TestClient.csrf(in: edit.body.string))
            fields["subtitle"] = "dagboekbrieven"
            #expect(try await client.send(.POST, "/staff/catalogue/\(title.id!)", form: fields).status == .seeOther)
            let saved = try #require(try await CatalogStore(app.db, organisationID: fixture.city).title(title.id!))
            #expect(saved.subtitle == "dagboekbrieven")
            #expect(saved.controlNumber == title.controlNumber)

            // A second title with the same ISBN is refused, naming the first.
            fields["title"] = "Dubbel"
            let clash = try await client.send(.POST, "/staff/catalogue/new", form: fields)
            #expect(clash.status == .conflict)
            #expect(clash.body.string.contains("Het Achterhuis"))

            // Copies: add one, a barcode twice is refused, mark one missing.
            let copy = ["csrf": fields["csrf"]!, "barcode": "C-001", "branch": "oost", "call_number": "DAGB FRAN", "price": "19,95",
                        "acquired": "2026-11-01"]
            #expect(try await client.send(.POST, "/staff/catalogue/\(title.id!)/items", form: copy).status == .seeOther)
            let twice = try await client.send(.POST, "/staff/catalogue/\(title.id!)/items", form: copy)
            #expect(twice.status == .conflict)
            #expect(twice.body.string.contains("C-001"))
            let item = try #require(try await Item.query(on: app.db).first())
            #expect(item.priceCents == 1995)
            #expect(item.currentBranchID == fixture.district)
            var change = copy
            change["status"] = "missing"
            change["branch"] = "centrale"
            #expect(try await client.send(.POST, "/staff/catalogue/\(title.id!)/items/\(item.id!)", form: change).status == .seeOther)
            let changed = try #require(try await Item.find(item.id, on: app.db))
            #expect(changed.status == .missing)
            #expect(changed.owningBranchID == fixture.central)

            // Deleting needs the copies gone first.
            let refused = try await client.send(.POST, "/staff/catalogue/\(title.id!)/delete", form: ["csrf": fields["csrf"]!])
            #expect(refused.status == .conflict)
            change["status"] = "withdrawn"
            _ = try await client.send(.POST, "/staff/catalogue/\(title.id!)/items/\(item.id!)", form: change)
            #expect(try await client.send(.POST, "/staff/catalogue/\(title.id!)/delete", form: ["csrf": fields["csrf"]!]).status == .seeOther)
            #expect(try await client.send(.GET, "/staff/catalogue/\(title.id!)").status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.all)
    func volunteersSeeButCannotEditTitles(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            let title = try #require(try await Title.query(on: app.db).first())
            let client = TestClient(app)
            try await client.signInPages(Fixture.volunteer, password: Fixture.password)
            let page = try await client.send(.GET, "/staff/catalogue/\(title.id!)")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("disabled"))
            let token = try #require(TestClient.csrf(in: page.body.string))
            let attempt = try await client.send(.POST, "/staff/catalogue/\(title.id!)", form: ["csrf": token, "title": "Anders"])
            #expect(attempt.status == .forbidden)
            #expect(try await Title.find(title.id, on: app.db)?.title == title.title)
            let search = try await client.send(.GET, "/staff/catalogue?q=avonden")
            #expect(search.body.string.contains("De avonden"))
        }
    }

    @Test(arguments: TestDatabase.all)
    func listPagesForStaff(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let fixture = try await Fixture.make(on: app)
            try await seedSearchCatalog(app, organisation: fixture.city)
            let client = TestClient(app)
            try await client.signInPages(Fixture.staff, password: Fixture.password)
            let index = try await client.send(.GET, "/staff/lists")
            let token = try #require(TestClient.csrf(in: index.body.string))
            let created = try await client.send(.POST, "/staff/lists", form: ["csrf": token, "name": "Zomerlezen", "branch": "", "is_public": "on"])
            #expect(created.status == .seeOther)
            let path = try #require(created.headers.first(name: .location)?.components(separatedBy: "?").first)
            // Add by ISBN (any form) and by number; a wrong one is named.
            #expect(try await client.send(.POST, "\(path)/titles", form: ["csrf": token, "title": "90-254-5235-3"]).status == .seeOther)
            let en = try #require(try await Title.query(on: app.db).filter(\.$controlNumber == "en-1").first())
            #expect(try await client.send(.POST, "\(path)/titles", form: ["csrf": token, "title": String(en.id!), "note": "Tip"]).status == .seeOther)
            let wrong = try await client.send(.POST, "\(path)/titles", form: ["csrf": token, "title": "geen nummer", "note": "Voor de zomer"])
            #expect(wrong.status == .unprocessableEntity)
            #expect(TestClient.errorSummary(in: wrong.body.string).contains("titelnummer"))
            #expect(wrong.body.string.contains(#"<span class="field-error" id="title-error">"#))
            #expect(wrong.body.string.contains(#"name="title" required value="geen nummer""#) && wrong.body.string.contains(#"value="Voor de zomer""#))
            #expect(try await client.send(.POST, "\(path)/titles/\(en.id!)/up", form: ["csrf": token]).status == .seeOther)
            let list = try #require(try await TitleList.query(on: app.db).first())
            #expect(try await TitleLists(app.db, organisationID: fixture.city).entries(of: list.id!).first?.titleID == en.id!)
            let page = try await client.send(.GET, path)
            #expect(page.body.string.contains("De avonden"))
            #expect(try await TestClient(app).send(.GET, "/city/lijsten/zomerlezen").body.string.contains("Tip"))

            // The form and the API apply a list's details in one place: an unknown branch is refused on both, the list unchanged.
            let moved = try await client.send(.POST, path, form: ["csrf": token, "name": "Zomerlezen 2027", "branch": "maan", "is_public": "on"])
            #expect(moved.status == .unprocessableEntity)
            #expect(moved.body.string.contains("Geen vestiging"))
            // Named at the branch, the name as typed kept.
            #expect(moved.body.string.contains(#"<span class="field-error" id="branch-error">"#))
            #expect(moved.body.string.contains(#"value="Zomerlezen 2027""#))
            let api = TestClient(app)
            try await api.signInAPI(Fixture.staff, password: Fixture.password)
            #expect(try await api.send(.PATCH, "/api/v1/lists/\(list.id!)", object: ["branch": "maan"]).apiError?.field == "branch")
            let kept = try #require(try await TitleList.find(list.id, on: app.db))
            #expect(kept.branchID == nil && kept.isPublic)
        }
    }
}
