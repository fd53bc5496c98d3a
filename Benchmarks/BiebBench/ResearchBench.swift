import BiebCore
import BiebServer
import BiebStore
import Fluent
import Foundation
import NIOCore
import SQLKit
import Vapor

/// `bieb-bench research DB [ROUNDS]`: customer research at national scale, in a fresh database (migrated here):
/// 60,000 members over 20 branches, all in the panel. Timed, each beside a plain baseline:
/// - a national panel wave of 50,000 drawn by quota and queued (50,000 invitations, 100,000 messages), beside
///   inserting as many plain rows in the same batches;
/// - the results of a wave of 20,000 answers (eight questions each, 2,000 approved open answers), beside grouping
///   the answers' values by question;
/// - answers at a branch link through the whole server (routing, rate limits, the device mark, two transactions),
///   paced at 200 a second for 10 seconds from 20 client addresses, each answer from its own phone; beside the health
///   check paced the same way.
public func benchmarkResearch(database: String, rounds: Int) {
    // The server's request log would drown the figures: warnings and worse only.
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .warning
        return handler
    }
    let done = DispatchSemaphore(value: 0)
    Task {
        do {
            let app = try await Application.make(.production)
            app.logger.logLevel = .warning
            try await configure(app, options: ServerOptions(database: location(database), migrateOnStart: false, bcryptCost: 4))
            do { try await researchBench(app, rounds: rounds) } catch { print("error: \(String(reflecting: error))") }
            try await app.asyncShutdown()
        } catch { print("error: \(String(reflecting: error))") }
        done.signal()
    }
    done.wait()
}

func researchBench(_ app: Application, rounds: Int) async throws {
    try await BiebDatabase.migrate(app)
    let sql = app.db.sql
    let start = DispatchTime.now().uptimeNanoseconds
    func elapsed() -> String { String(format: "%.1f s", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
    let today = LocalDate(Date(), in: BranchCalendar.amsterdam)
    // The organisation, its branches and members, the panel.
    let land = Organisation(slug: "onderzoek-land", name: "Bibliotheekpanel Nederland")
    try await land.create(on: app.db)
    let organisation = land.id!
    let type = MembershipType(organisationID: organisation, code: "basis", nameNL: "Basis", nameEN: "Basic", yearlyFeeCents: 0)
    try await MemberDirectory(app.db, organisationID: organisation).save(type)
    var made: [UUID] = []
    for b in 0..<20 {
        let branch = Branch(organisationID: organisation, slug: "vestiging-\(b)", name: "Vestiging \(b)", kind: b == 0 ? .central : .district,
                            street: "Straat 1", postcode: "2511 AA", city: "Plaats", latitude: 52, longitude: 4.3)
        try await branch.create(on: app.db)
        made.append(branch.id!)
    }
    let branches = made
    let bands = ["18-24", "25-44", "25-44", "45-64", "45-64", "65+", "65+", "65+"]
    let born = ["2003-05-01", "1988-05-01", "1990-05-01", "1970-05-01", "1965-05-01", "1955-05-01", "1950-05-01", "1945-05-01"]
    let now = Date()
    for batch in stride(from: 0, to: 60_000, by: 400) {
        var members: [SQLQueryString] = [], panel: [SQLQueryString] = []
        for n in batch..<min(batch + 400, 60_000) {
            let id = UUID(), branch = branches[n % 20], band = n % 8
            members.append("""
                (\(bind: id), \(bind: organisation), \(bind: "Lid \(n)"), \(bind: "lid \(n)"), \(bind: born[band]), \(bind: "lid\(n)@example.nl"), 'Straat 1',
                 '2511 AA', 'Plaats', \(bind: branch), \(bind: type.id!), \(bind: today.adding(days: -400).iso), \(bind: today.adding(days: 300).iso), 0, 0, 0,
                 \(bind: now), \(bind: now))
                """)
            panel.append("(\(bind: organisation), \(bind: id), \(bind: bands[band]), \(bind: branch), '2511', \(bind: today.iso))")
        }
        let memberRows = members.joined(separator: ", "), panelRows = panel.joined(separator: ", ")
        try await WriteGate.transaction(on: app.db) { tx in
            try await tx.sql.raw("""
                INSERT INTO members (id, organisation_id, name, name_key, birth_date, email, street, postcode, city, home_branch_id, membership_type_id,
                    membership_start, membership_end, balance_cents, loan_count, hold_count, created_at, updated_at) VALUES
                """ + memberRows).run()
            try await tx.sql.raw("INSERT INTO research_panel (organisation_id, member_id, age_band, branch_id, area, joined_on) VALUES " + panelRows).run()
        }
    }
    try await BiebDatabase.analyze(sql)
    let surveys = Surveys(app.db, organisationID: organisation)
    let survey = try await surveys.create(slug: "panel", .init(titleNL: "Panel", titleEN: "Panel", questions: StandardQuestions.all))
    try await surveys.publish(version: survey.version)
    let version = try await surveys.version(survey.version)
    // Letters the size of the default ones (the server's own are rendered the same way, per invitee).
    let text = "Beste {{name}},\n\nWil je ons helpen de bibliotheek beter te maken? We horen graag wat je ervan vindt. Het invullen duurt een paar minuten.\n\n  {{survey}}\n  {{link}}\n\nDe link is persoonlijk, werkt één keer en tot en met {{until}}.\n\nMet vriendelijke groet,\n{{library}}"
    let template = MessageTemplate(subject: "Je mening over {{library}}", text: text,
                                   html: "<p>" + text.replacingOccurrences(of: "\n\n", with: "</p>\n<p>") + "</p>")
    let letters = ResearchFieldwork.Letters(invitation: ["nl": template, "en": template], reminder: ["nl": template, "en": template],
                                            library: land.name, surveyTitle: ["nl": "Panel", "en": "Panel"],
                                            until: { date, _ in LocalDate(date, in: BranchCalendar.amsterdam).iso },
                                            link: { "https://bieb.example/onderzoek-land/enquete/t/" + $0 })
    print("60,000 members, all in the panel (\(elapsed()))")

    // 1. A national panel wave of 50,000.
    let fieldwork = ResearchFieldwork(app.db, organisationID: organisation)
    try await sql.raw("CREATE TABLE bench_rows (a BIGINT, b TEXT, c TEXT, d TEXT)").run()
    var waveTimes: [Double] = [], baseTimes: [Double] = []
    var invited = 0
    for round in 0..<max(1, min(rounds, 3)) {
        try await sql.raw("DELETE FROM research_invitations").run()
        try await sql.raw("DELETE FROM outbox_messages").run()
        try await sql.raw("DELETE FROM research_waves").run()
        try await sql.raw("DELETE FROM bench_rows").run()
        var clock = DispatchTime.now().uptimeNanoseconds
        for batch in stride(from: 0, to: 150_000, by: 400) {
            let rows = (batch..<batch + 400).map { n -> SQLQueryString in
                "(\(bind: n), \(bind: ResearchFieldwork.newToken().hash), \(bind: "Beste Lid \(n), https://bieb.example/x"), \(bind: "<p>\(n)</p>"))"
            }.joined(separator: ", ")
            try await WriteGate.transaction(on: app.db) { tx in try await tx.sql.raw("INSERT INTO bench_rows (a, b, c, d) VALUES " + rows).run() }
        }
        baseTimes.append(Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9)
        clock = DispatchTime.now().uptimeNanoseconds
        let wave = try await fieldwork.invitePanel(version: version.id, name: "Landelijk \(round)", size: 50_000, seed: UInt64(round + 1), letters: letters)
        waveTimes.append(Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9)
        invited = wave.invited
    }
    print(String(format: "baseline: 150,000 plain rows in batches of 400   %.1f s (best of %d)", baseTimes.min()!, baseTimes.count))
    print(String(format: "a panel wave of 50,000 drawn and queued          %.1f s (best of %d; %d invited, 2 messages each)", waveTimes.min()!,
                 waveTimes.count, invited))
    try await sql.raw("DROP TABLE bench_rows").run()

    // 2. The results of a wave of 20,000 answers.
    let link = try await fieldwork.openBranchLink(version: version.id, name: "Resultaten", branch: branches[0])
    for branch in branches {
        try await WriteGate.transaction(on: app.db) { tx in
            let rows = (0..<1_000).map { n -> SQLQueryString in
                "(\(bind: organisation), \(bind: link.id), \(bind: version.id), 'branch', \(bind: branch), \(bind: today.adding(days: -(n % 30)).iso))"
            }
            for chunk in stride(from: 0, to: rows.count, by: 250) {
                try await tx.sql.raw("""
                    INSERT INTO research_responses (organisation_id, wave_id, version_id, channel, branch_id, answered_on) VALUES
                    """ + rows[chunk..<min(chunk + 250, rows.count)].joined(separator: ", ")).run()
            }
        }
    }
    try await WriteGate.transaction(on: app.db) { tx in
        let wave: SQLQueryString = " FROM research_responses WHERE wave_id = \(bind: link.id)"
        try await tx.sql.raw("INSERT INTO research_values (response_id, question_key, number, choice) SELECT id, 'nps', id % 11, NULL " + wave).run()
        for (k, key) in ["satisfaction_collection", "satisfaction_hours", "satisfaction_staff", "satisfaction_study_places", "satisfaction_activities"].enumerated() {
            try await tx.sql.raw("INSERT INTO research_values (response_id, question_key, number, choice) SELECT id, \(bind: key), 1 + (id + \(literal: k)) % 5, NULL "
                                 + wave).run()
        }
        try await tx.sql.raw("""
            INSERT INTO research_values (response_id, question_key, number, choice)
            SELECT id, 'learned_something', NULL, CASE WHEN id % 3 = 0 THEN 'yes' WHEN id % 3 = 1 THEN 'a_little' ELSE 'no' END
            """ + wave).run()
        try await tx.sql.raw("""
            INSERT INTO research_open_answers (response_id, question_key, text, status)
            SELECT id, 'remarks', 'Meer studieplekken en langer open op zaterdag graag', 'approved'
            """ + wave + " AND id % 10 = 0").run()
    }
    try await BiebDatabase.analyze(sql)
    let results = ResearchResults(app.db, organisationID: organisation)
    let answers = try await results.report(.init(survey: survey.survey, wave: link.id)).answers
    print("a wave of \(answers) answers, \(answers * 7) values (\(elapsed()))")
    try await printTimings([
        ("baseline: values grouped by question", {
            _ = try await sql.raw("SELECT question_key, COUNT(*) AS n FROM research_values GROUP BY question_key").all()
        }),
        ("results of the wave (all breakdowns, words)", { _ = try await results.report(.init(survey: survey.survey, wave: link.id)) }),
        ("results of one branch", { _ = try await results.report(.init(survey: survey.survey, branch: branches[3])) }),
    ], rounds: rounds)

    // 3. Answers at a branch link through the server, paced at 200 a second.
    let branchLink = try await fieldwork.openBranchLink(version: version.id, name: "In de vestiging", branch: branches[1])
    let body = #"{"answers": {"nps": 9, "satisfaction_staff": 4, "satisfaction_collection": 5, "remarks": "Prima bibliotheek"}}"#
    func paced(_ label: String, perSecond: Int, seconds: Int, _ make: @escaping @Sendable (Int) -> Request) async throws {
        let total = perSecond * seconds
        let began = DispatchTime.now().uptimeNanoseconds
        let outcomes = try await withThrowingTaskGroup(of: (Double, UInt).self) { group in
            for n in 0..<total {
                let due = began + UInt64(Double(n) * 1e9 / Double(perSecond))
                let now = DispatchTime.now().uptimeNanoseconds
                if due > now { try await Task.sleep(nanoseconds: due - now) }
                group.addTask {
                    let sent = DispatchTime.now().uptimeNanoseconds
                    let response = try await app.responder.respond(to: make(n)).get()
                    return (Double(DispatchTime.now().uptimeNanoseconds - sent) / 1e6, response.status.code)
                }
            }
            var all: [(Double, UInt)] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        let took = Double(DispatchTime.now().uptimeNanoseconds - began) / 1e9
        let times = outcomes.map(\.0).sorted()
        let accepted = outcomes.filter { $0.1 < 300 }.count
        func p(_ q: Double) -> Double { times[min(times.count - 1, Int((Double(times.count) * q).rounded(.up)) - 1)] }
        print(label.padding(toLength: 48, withPad: " ", startingAt: 0)
              + String(format: " %d/%d accepted in %.1f s (%.0f/s)  p50 %.1f ms  p99 %.1f ms  max %.1f ms", accepted, total, took,
                       Double(accepted) / took, p(0.5), p(0.99), times.last ?? 0))
    }
    for _ in 0..<2 {
        try await paced("baseline: the health check, 200/s", perSecond: 200, seconds: 10) { _ in
            Request(application: app, method: .GET, url: URI(path: "/health"), on: app.eventLoopGroup.next())
        }
        try await sql.raw("DELETE FROM rate_counters").run()
        try await paced("answers at a branch link, 200/s", perSecond: 200, seconds: 10) { n in
            var headers = HTTPHeaders()
            headers.contentType = .json
            headers.add(name: .xForwardedFor, value: "192.0.2.\(n % 20 + 1)")
            headers.add(name: .cookie, value: "bieb_enquete=telefoon-\(UUID().uuidString)")
            return Request(application: app, method: .POST, url: URI(path: "/api/v1/organisations/onderzoek-land/surveys/links/\(branchLink.linkCode!)"),
                           headers: headers, collectedBody: ByteBuffer(string: body), on: app.eventLoopGroup.next())
        }
    }
}
