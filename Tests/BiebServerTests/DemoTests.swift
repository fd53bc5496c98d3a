import Fluent
import SQLKit
import Foundation
import Synchronization
import Testing
import Vapor
import BiebCore
import BiebServer
import BiebStore
import BiebTestSupport

@Suite struct DemoNetworkTests {
    @Test(arguments: TestDatabase.all)
    func demoNetworkIsRealisticAndReusable(_ database: TestDatabase) async throws {
        try await withBieb(database) { app in
            let today = LocalDate(iso: "2026-11-21")!
            // Its creation says where it is, step by step, up to done (`bieb demo` draws a progress line from it).
            let steps = Mutex<[(Double, String)]>([])
            #expect(try await DemoNetwork.seed(app: app, today: today) { done, step in steps.withLock { $0.append((done, step)) } })
            let seen = steps.withLock { $0 }
            #expect(seen.count == 11 && seen.first?.0 == 0 && seen.last?.0 == 1 && seen.last?.1 == "done")
            #expect(zip(seen, seen.dropFirst()).allSatisfy { $0.0 < $1.0 } && seen.contains { $0.1 == "Den Haag: two years of statistics" })
            #expect(try await DemoNetwork.seed(app: app, today: today) == false)

            let directory = BranchDirectory(app.db)
            let denHaagOrg = try await directory.organisation(slug: "den-haag")
            let denHaag = try #require(denHaagOrg)
            let branches = try await directory.branches(of: denHaag.id!)
            let kinds = Dictionary(grouping: branches, by: \.kind).mapValues(\.count)
            #expect(kinds[.central] == 1)
            // 13 district libraries; the temporary places in Benoordenhout (in the ANWB building) and Moerwijk (a pop-up) are not counted as such.
            #expect(kinds[.district] == 13)
            #expect((kinds[.neighbourhood] ?? 0) >= 2)
            #expect((kinds[.outreachPoint] ?? 0) >= 2)
            #expect(branches.allSatisfy { $0.latitude != nil && !$0.street.isEmpty && Validate.dutchPostcode($0.postcode) != nil })
            let facilities = try await directory.facilities(of: branches.map { $0.id! })
            let central = try #require(branches.first { $0.kind == .central })
            #expect(facilities[central.id!]!.rooms >= 2)
            #expect(facilities[central.id!]!.studyPlaces >= 100)
            let partners = try await PartnerDirectory(app.db).partners(ofBranch: central.id!)
            #expect(!partners.isEmpty)
            // The programme: a debate in the central library's agenda with places, consultation slots to book, the partner's account.
            let visitor = TestClient(app)
            let debates = try list(try await visitor.send(.GET, "/api/v1/organisations/den-haag/agenda?kind=debate&branch=\(central.id!)"))
            #expect(debates.first?["title"] as? String == "Stadsgesprek: wie bouwt de wijk van morgen?")
            #expect((debates.first?["places_left"] as? Int ?? 0) > 100)
            let hours = try list(try await visitor.send(.GET, "/api/v1/organisations/den-haag/consultation-hours?branch=\(central.id!)"))
            #expect(hours.contains { ($0["free_slots"] as? [Any])?.isEmpty == false })
            #expect(hours.contains { $0["walk_in"] as? Bool == true })
            let full = try list(try await visitor.send(.GET, "/api/v1/organisations/den-haag/agenda?kind=workshop"))
            #expect(full.first?["places_left"] as? Int == 0)
            #expect((full.first?["waiting"] as? Int ?? 0) > 0)
            let partner = TestClient(app)
            try await partner.signInAPI(DemoProgramme.partnerEmail, password: DemoNetwork.password)
            #expect(try await visitor.send(.GET, "/den-haag/agenda").status == .ok)
            // Homework help within the coming day: its registration gets a reminder from the first job run.
            #expect(try await Registrations(app.db, organisationID: denHaag.id!).enqueueReminders() >= 1)
            // Customer research: a panel wave with answers, surveys after the debates and the course, a branch survey in Heemstede.
            let research = ResearchFieldwork(app.db, organisationID: denHaag.id!)
            let waves = try await research.waves()
            let panelWave = try #require(waves.first { $0.channel == .panel })
            let panelRates = try await research.rates(wave: panelWave.id)
            #expect(panelRates.total.invited >= 30 && panelRates.total.answered >= 15)
            let afterWaves = waves.filter { $0.channel == .activity }
            #expect(afterWaves.count == 2)
            for wave in afterWaves { #expect(try await research.rates(wave: wave.id).total.answered >= 5) }
            let surveyList = try await Surveys(app.db, organisationID: denHaag.id!).all()
            let afterSurvey = try #require(surveyList.first { $0.slug == "na-de-activiteit" })
            let afterReport = try await ResearchResults(app.db, organisationID: denHaag.id!).report(.init(survey: afterSurvey.id))
            #expect(afterReport.groups[.coreFunction]?.count == 2 && afterReport.approvedTexts > 0)
            #expect(try await ResearchAnswers(app.db, organisationID: denHaag.id!).pendingCount() == 3)

            // The small town's main branch: 38.5 staffed hours, many more self-service hours.
            let townOrg = try await directory.organisation(slug: "heemstede")
            let town = try #require(townOrg)
            let townBranches = try await directory.branches(of: town.id!)
            let main = try #require(townBranches.first { $0.kind == .central })
            let calendar = try await directory.calendar(of: main.id!, timeZone: town.zone)
            let standard = try #require(calendar.schedules.first { $0.isDefault })
            #expect(standard.hoursPerWeek(.staffed) == 38.5)
            let townSurvey = try #require(try await Surveys(app.db, organisationID: town.id!).all().first)
            #expect(try await ResearchResults(app.db, organisationID: town.id!).report(.init(survey: townSurvey.id, channel: .branch)).answers == 46)
            #expect(standard.hoursPerWeek(.selfService) > 38.5)
            #expect(calendar.schedules.contains { !$0.isDefault })
            // Holidays are in: Christmas is closed.
            #expect(!calendar.isOpeningDay(LocalDate(iso: "2026-12-25")!))

            // A catalogue to search: Dutch titles and real LoC records, with copies, some on loan.
            let catalogue = CatalogStore(app.db, organisationID: denHaag.id!)
            #expect(try await catalogue.titleCount() > 600)
            let avonden = try await CatalogSearch(app.db, organisationID: denHaag.id!).search(try SearchQuery.parse("author:reve avonden"))
            #expect(avonden.works.first?.titles.count == 4)
            let onLoan = try await Item.query(on: app.db).filter(\.$organisationID == denHaag.id!).filter(\.$statusRaw == "on_loan").count()
            #expect(onLoan > 100)
            // Every copy on loan has its open loan, to a member; holds in every state; fees; a blocked member.
            let loans = try await Loan.query(on: app.db).filter(\.$organisationID == denHaag.id!).filter(\.$open == true).all()
            #expect(loans.count == onLoan)
            #expect(loans.allSatisfy { $0.memberID != nil })
            // 240 registered at a desk, three joined online and wait for an identity check.
            #expect(try await Member.query(on: app.db).filter(\.$organisationID == denHaag.id!).count() == 243)
            #expect(try await OnlineJoins(app.db, organisationID: denHaag.id!).awaiting().count == 3)
            let holds = try await Hold.query(on: app.db).filter(\.$organisationID == denHaag.id!).all().map(\.status)
            #expect(holds.contains(.waiting))
            #expect(holds.contains(.ready) || holds.contains(.inTransit) || holds.contains(.allocated))
            #expect(try await FeeLine.query(on: app.db).filter(\.$organisationID == denHaag.id!).filter(\.$kindRaw == "overdue").count() > 0)
            #expect(try await Member.query(on: app.db).filter(\.$organisationID == denHaag.id!).filter(\.$blockReason != nil).count() == 1)
            let desk = Circulation(app.db, organisationID: denHaag.id!)
            #expect(try await desk.member(card: "2000000001").name == "Daan de Boer")
            let dutchChildren = try await CatalogSearch(app.db, organisationID: denHaag.id!).search(try SearchQuery.parse("dolfje"))
            let dolfje = try #require(dutchChildren.titles.first)
            #expect(try await catalogue.title(dolfje.id)?.avi == "E4")

            // Curated lists (one not public) and recent acquisitions for "new in the collection".
            let lists = TitleLists(app.db, organisationID: denHaag.id!)
            let publicLists = try await lists.all(publicOnly: true)
            #expect(publicLists.map(\.slug).sorted() == ["leesclub-klassiekers", "oorlog-en-verzet", "voorlezen-kleintjes"])
            #expect(try await lists.all(publicOnly: false).count == 4)
            let club = try #require(try await lists.list(slug: "leesclub-klassiekers"))
            let entries = try await lists.entries(of: club.id!)
            #expect(entries.count == 4)
            #expect(entries.first?.note.contains("September") == true)
            let avondenBook = try #require(try await catalogue.title(entries[0].titleID))
            #expect(avondenBook.title == "De avonden" && avondenBook.format == MaterialFormat.book.rawValue)
            var newAnywhere = 0
            for branch in branches {
                let new = try await lists.newInCollection(branchID: branch.id!, since: today.adding(days: -90))
                #expect(new.allSatisfy { $0.acquired >= today.adding(days: -90) && $0.acquired <= today })
                newAnywhere += new.count
            }
            #expect(newAnywhere >= 5)
            #expect(try await lists.newInCollection(branchID: central.id!, since: today.adding(days: -90)).count >= 10)
            let undated = try await Item.query(on: app.db).filter(\.$organisationID == denHaag.id!).filter(\.$acquiredOn == nil).count()
            #expect(undated == 0)

            // Every demo account can sign in.
            for account in DemoNetwork.accounts {
                let client = TestClient(app)
                try await client.signInAPI(account.email, password: DemoNetwork.password)
            }
            // Members sign in as the demo says: the parent manages a child's account too; one member also by e-mail.
            let parent = TestClient(app)
            let token = try await parent.send(.POST, "/api/v1/my/token", object: [
                "organisation": "den-haag", "card": DemoPortal.guardianCard, "pin": DemoSelfService.pin])
            #expect(token.status == .created)
            parent.headers.bearerAuthorization = BearerAuthorization(token: try #require(try object(token)["token"] as? String))
            #expect(try list(try await parent.send(.GET, "/api/v1/my/accounts")).map { $0["relation"] as? String } == ["self", "child"])
            let byEmail = try await TestClient(app).send(.POST, "/api/v1/my/token", object: [
                "organisation": "den-haag", "email": DemoPortal.email, "password": DemoNetwork.password])
            #expect(byEmail.status == .created)
            // That member has loans to renew in the walk-through (borrowed a week before the demo's day).
            let member = TestClient(app)
            member.headers.bearerAuthorization = BearerAuthorization(token: try #require(try object(byEmail)["token"] as? String))
            let own = try #require(try list(try await member.send(.GET, "/api/v1/my/accounts")).first?["id"] as? String)
            let walkLoans = try list(try await member.send(.GET, "/api/v1/my/accounts/\(own)/loans"))
            #expect(walkLoans.count >= 2)
            #expect(walkLoans.contains { ($0["due_on"] as? String).flatMap(LocalDate.init(iso:)).map { $0 > today } == true })

            // Two years of the network's numbers with a library's seasons: adults borrow less in summer, children more (summer reading).
            let rollups = InsightRollups(app.db, organisationID: denHaag.id!)
            let lastYear = (LocalDate(year: today.year - 1, month: 1, day: 1)!, LocalDate(year: today.year - 1, month: 12, day: 31)!)
            let adults = try await rollups.monthly(.init(kind: .loan, audience: "adult"), from: lastYear.0, through: lastYear.1)
            let children = try await rollups.monthly(.init(kind: .loan, audience: "youth"), from: lastYear.0, through: lastYear.1)
            let (march, july) = ("\(today.year - 1)-03", "\(today.year - 1)-07")
            #expect(try #require(adults[july]) < (try #require(adults[march])))
            #expect(try #require(children[july]) > (try #require(children[march])))
            #expect(try await rollups.total([.activityParticipant], from: lastYear.0, through: lastYear.1, coreFunction: CoreFunction.reading.rawValue) > 1_000)
            // This year's active members (by 21 November) stand beside last year's closed count, youth too: not a tenth of them.
            let closed = try await InsightYears(app.db, organisationID: denHaag.id!).totals(today.year - 1)
            let facts = InsightFacts(app.db, organisationID: denHaag.id!)
            for (youth, key) in [(false, "active_members"), (true, "active_youth_members")] {
                let now = try await facts.activeMembers(through: today, youth: youth), then = try #require(closed[key])
                #expect(Double(now) > Double(then) * 0.8 && Double(now) < Double(then) * 1.2, "\(key): \(now) this year, \(then) last year")
            }
            // Heemstede's youth measurements: last year's start and end frozen, this year's start frozen and its end to come.
            let heemstede = try #require(try await directory.organisation(slug: "heemstede"))
            let measurements = try await Measurements(app.db, organisationID: heemstede.id!).all()
            let members = try #require(measurements.first { $0.indicator == "youth_members" })
            #expect((members.startSnapshot?.value ?? 0) > 0)
            #expect((members.endSnapshot?.value ?? 0) > (members.startSnapshot?.value ?? 0))
            let collection = try #require(measurements.first { $0.indicator == "youth_loans_per_youth_copy" })
            #expect((collection.startSnapshot?.value ?? 0) > 1)
            #expect(collection.endSnapshot == nil)
            // Last year's report has all five core functions with participants.
            let book = try await AnnualReports(app.db, organisationID: denHaag.id!).book(year: today.year - 1, timeZone: BranchCalendar.amsterdam)
            for function in CoreFunction.allCases {
                #expect(book.organisation.activities.filter { $0.coreFunction == function.rawValue }.map(\.participants).reduce(0, +) > 0, "\(function)")
            }
            #expect(book.organisation.entered.volunteers == 410)
            // The numbers from outside the lending: digital use (COUNTER use only), study places busier in exam weeks,
            // consultation appointments, searches; and summer reading this year against last, from pseudonyms and totals.
            let values = IndicatorValues(app.db, organisationID: denHaag.id!)
            let yearEnd = lastYear.1
            let digital = try await values.reading(try #require(Indicator.named("digital_use")), on: yearEnd, branch: nil)
            #expect((digital.value ?? 0) > 100_000)
            let june = try await values.reading(try #require(Indicator.named("study_place_occupancy")), on: LocalDate(year: today.year - 1, month: 6, day: 30)!, branch: central.id)
            let september = try await values.reading(try #require(Indicator.named("study_place_occupancy")), on: LocalDate(year: today.year - 1, month: 9, day: 30)!, branch: central.id)
            #expect((june.value ?? 0) > 0.3 && (june.value ?? 1) < 1)
            #expect(try await rollups.total([.studyOccupied], from: LocalDate(year: today.year - 1, month: 5, day: 1)!, through: LocalDate(year: today.year - 1, month: 5, day: 31)!)
                    > (try await rollups.total([.studyOccupied], from: LocalDate(year: today.year - 1, month: 9, day: 1)!, through: LocalDate(year: today.year - 1, month: 9, day: 30)!)))
            #expect(september.value != nil)
            #expect(try await rollups.total([.consultationAppointment], from: lastYear.0, through: lastYear.1) > 100)
            #expect(try await rollups.total([.catalogueSearch], from: lastYear.0, through: lastYear.1) > 100_000)
            let reading = SummerReading(app.db, organisationID: denHaag.id!)
            let (thisSummer, lastSummer) = (try await reading.figures(year: today.year), try await reading.figures(year: today.year - 1))
            #expect(thisSummer.participants > 200 && lastSummer.participants == 220)
            #expect(thisSummer.memberParticipants == thisSummer.participants)
            #expect(thisSummer.summerLoans > thisSummer.juneLoans)
            #expect(lastSummer.summerLoans == 220 * 52 / 10)

            // The collection plan: Loosduinen's old English shelf is dead stock; the central library works harder than its shelf;
            // a queue asks for copies and a new edition for purchase; Heemstede's Plein1 is over capacity in a floating collection.
            let policy = try await WeedingSettings(app.db, organisationID: denHaag.id!).policy()
            let segments = try await SegmentReport(app.db, organisationID: denHaag.id!).rows(today: today, policy: policy)
            let loosduinen = try #require(branches.first { $0.slug == "loosduinen" })
            let dead = segments.filter { $0.branch == loosduinen.id }.reduce(SegmentFigures()) { $0 + $1.figures }
            #expect((dead.deadShare ?? 0) > 0.5 && dead.holdings > 150)
            let total = segments.reduce(SegmentFigures()) { $0 + $1.figures }
            let districts = segments.filter { $0.branch != loosduinen.id && $0.branch != central.id }.reduce(SegmentFigures()) { $0 + $1.figures }
            #expect((districts.relativeUse(of: total) ?? 0) > 1)
            #expect(try await SegmentSnapshots(app.db, organisationID: denHaag.id!).rows(month: SegmentSnapshots.month(of: today.adding(months: -12))).isEmpty == false)
            let suggestions = try await PurchaseSuggestions(app.db, organisationID: denHaag.id!).suggestions()
            #expect(suggestions.contains { $0.reason == .queue })
            #expect(suggestions.contains { $0.reason == .newEdition && $0.title == "Fietsen in Nederland" })
            let candidates = try await WeedingLists(app.db, organisationID: denHaag.id!).candidates(branch: loosduinen.id!, today: today, policy: policy)
            #expect(candidates.filter { $0.reasons.contains(.idle) }.count >= 150)
            #expect(try await ThemeShelves(app.db, organisationID: denHaag.id!).all()["basic_skills_digital"] == [600, 980])
            #expect(try await Balancing(app.db, organisationID: town.id!).plan(today: today).contains { $0.from == main.id })

            // Network planning: the gaps the city names come out of the computation. Benoordenhout is the largest area
            // beyond reach, the Binckhorst (the Central Innovation District) is beyond reach too; Escamp's library serves
            // Moerwijk as well and Laak's serves Spoorwijk, each well over the norm; 18 libraries for the city's inhabitants.
            let (basis, coverage) = try await NetworkPlanning(app.db, organisationID: denHaag.id!).coverage()
            #expect(basis.planned.count == 42 && basis.unplaced.isEmpty)
            #expect(coverage.gaps.first?.code == "WK051804" && coverage.gaps.contains { $0.code == "WK051839" })
            #expect(coverage.librariesNeeded == 18 && coverage.libraries == 14)
            let slugOf = Dictionary(uniqueKeysWithValues: branches.map { ($0.id!.uuidString, $0.slug) })
            let moerwijk = try #require(coverage.areas.first { $0.code == "WK051836" })
            #expect(slugOf[moerwijk.library?.branch ?? ""] == "escamp" && !moerwijk.isGap)
            #expect(coverage.overNorm.compactMap { slugOf[$0.branch] }.contains("escamp"))
            #expect(coverage.overNorm.compactMap { slugOf[$0.branch] }.contains("laak"))
            #expect(try await PlanningScenarios(app.db, organisationID: denHaag.id!).all().count == 1)
            // The profiles have the history's loans and active members by postcode area: the centre's (the central library's) most.
            let profiles = try await NetworkPlanning(app.db, organisationID: denHaag.id!).profiles(today: today).profiles
            let centrum = try #require(profiles.first { $0.area.record.code == "WK051828" })
            #expect(centrum.loans > 10_000 && centrum.activeMembers > 100 && (centrum.loansPerInhabitant ?? 0) > 0.5)
            #expect(centrum.loans == profiles.map(\.loans).max())
        }
    }

    /// What a librarian tries first with a kiosk: against the demo, over SIP2.
    @Test func aKioskASorterAndADoorWorkAgainstTheDemo() async throws {
        try await withBieb(.sqlite) { app in
            let today = LocalDate(iso: "2026-11-21")!
            #expect(try await DemoNetwork.seed(app: app, today: today))
            let zone = BranchCalendar.amsterdam
            app.selfService.setClock { LocalClock.instant(of: today, minute: 12 * 60, in: zone) }   // Saturday noon: staffed
            let listener = SIP2Listener(options: SIP2Options(host: "127.0.0.1", port: 0))
            let port = try await listener.start(app)
            defer { Task { await listener.stop() } }
            let date = SIP2.date(LocalClock.instant(of: today, minute: 12 * 60, in: zone), in: zone)
            let denHaag = try #require(try await BranchDirectory(app.db).organisation(slug: "den-haag"))
            let central = try #require(try await BranchDirectory(app.db).branches(of: denHaag.id!).first { $0.kind == .central })

            let kiosk = try await SIP2Client(port: port, group: app.eventLoopGroup)
            #expect(try await kiosk.request("9300CN\(DemoSelfService.kiosk)|CO\(DemoNetwork.password)|").hasPrefix("941"))
            #expect(try await kiosk.request("990 402.00").hasPrefix("98YYYY"))
            let info = try SIP2Answer(try await kiosk.request("63005\(date)          AOden-haag|AA2000000001|AD\(DemoSelfService.pin)|"),
                                      fixedLength: Layout.patronInformation)
            #expect(info.field("AE") == "Daan de Boer")
            #expect(info.field("CQ") == "Y")
            // A copy on the central library's shelf: look it up, borrow it, renew it.
            let shelf = try #require(try await Item.query(on: app.db).filter(\.$organisationID == denHaag.id!)
                .filter(\.$currentBranchID == central.id!).filter(\.$statusRaw == "available").filter(\.$holdID == nil).first())
            #expect(try await kiosk.request("17\(date)AOden-haag|AB\(shelf.barcode)|").hasPrefix("1803"))
            let out = try SIP2Answer(try await kiosk.request("11NN\(date)\(date)AOden-haag|AA2000000001|AB\(shelf.barcode)|AD\(DemoSelfService.pin)|"),
                                     fixedLength: Layout.checkout)
            #expect(out.fixed(0, 1) == "1", "\(out.text)")
            // Renewed the same day it would keep its due date: refused; a week on, renewed.
            #expect(try await kiosk.request("29NN\(date)\(date)AOden-haag|AA2000000001|AB\(shelf.barcode)|").hasPrefix("300"))
            try await backdateOpenLoans(app, days: 7, barcodes: [shelf.barcode])
            #expect(try await kiosk.request("29NN\(date)\(date)AOden-haag|AA2000000001|AB\(shelf.barcode)|").hasPrefix("301"))
            // A member who owes money pays part of it.
            let sql = app.db as! any SQLDatabase
            let owing = try #require(try await sql.raw("""
                SELECT c.barcode, m.balance_cents FROM members m JOIN member_cards c ON c.member_id = m.id
                WHERE m.organisation_id = \(bind: denHaag.id!) AND m.balance_cents > 0 ORDER BY c.barcode
                """).first())
            let owingCard = try owing.decode(column: "barcode", as: String.self)
            let paid = try await kiosk.request("37\(date)0100EURBV0.25|AOden-haag|AA\(owingCard)|BKdemo-1|")
            #expect(paid.hasPrefix("38Y"), "\(paid)")
            #expect(try await kiosk.request("35\(date)AOden-haag|AA\(owingCard)|").hasPrefix("36Y"))
            // A copy on loan whose title someone waits for comes back through the sorter: alert, hold bin or transit bin.
            let waiting = try #require(try await sql.raw("""
                SELECT i.barcode FROM holds h JOIN items i ON i.title_id = h.title_id JOIN loans l ON l.item_id = i.id AND l.open = \(bind: true)
                WHERE h.organisation_id = \(bind: denHaag.id!) AND h.status = 'waiting' AND h.item_id IS NULL ORDER BY h.id LIMIT 1
                """).first()).decode(column: "barcode", as: String.self)
            let sorter = try await SIP2Client(port: port, group: app.eventLoopGroup)
            #expect(try await sorter.request("9300CN\(DemoSelfService.sorter)|CO\(DemoNetwork.password)|").hasPrefix("941"))
            let back = try SIP2Answer(try await sorter.request("09N\(date)\(date)AOden-haag|AB\(waiting)|"), fixedLength: Layout.checkin)
            #expect(back.fixed(0, 4) == "1YNY", "\(back.text)")
            #expect(["R", "T"].contains(back.field("CL") ?? ""))
            #expect(back.field("CY")?.hasPrefix("2000") == true)
            // The door at Ypenburg on Sunday, in self-service hours only.
            app.selfService.setClock { LocalClock.instant(of: today.adding(days: 1), minute: 12 * 60, in: zone) }
            let door = try await SIP2Client(port: port, group: app.eventLoopGroup)
            #expect(try await door.request("9300CN\(DemoSelfService.door)|CO\(DemoNetwork.password)|").hasPrefix("941"))
            let enter = try SIP2Answer(try await door.request("23005\(date)AOden-haag|AA2000000001|AD\(DemoSelfService.pin)|"),
                                       fixedLength: Layout.patronStatus)
            #expect(enter.field("BL") == "Y", "\(enter.text)")
            // Member 4 joined recently: not yet.
            let recent = try SIP2Answer(try await door.request("23005\(date)AOden-haag|AA2000000004|AD\(DemoSelfService.pin)|"),
                                        fixedLength: Layout.patronStatus)
            #expect(recent.field("BL") == "N")
            // SIP2_TRANSCRIPT=FILE writes the session for docs/SELF-SERVICE.md.
            if let path = ProcessInfo.processInfo.environment["SIP2_TRANSCRIPT"] {
                let text = ["# kiosk", kiosk.transcript.joined(separator: "\n"), "# sorter", sorter.transcript.joined(separator: "\n"),
                            "# door", door.transcript.joined(separator: "\n")].joined(separator: "\n")
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            }
            await listener.stop()
        }
    }
}
