import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Circulation's background work, on whichever app server holds the job's
/// lease: every ten minutes holds past their day end (the copy goes to the
/// next member in line at once); every day the fines of loans still out are
/// brought up to date. Allocation itself never waits for a job: it happens
/// in the transaction of the return.
struct CirculationJobs: LifecycleHandler {
    private let task = SearchWarmup.TaskBox()
    static let holder = UUID().uuidString

    func didBootAsync(_ app: Application) async throws {
        let logger = app.logger
        task.set(Task.detached {
            while !Task.isCancelled {
                do {
                    try await Self.runDue(app)
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("circulation jobs: \(String(reflecting: error))")
                }
                try? await Task.sleep(for: .seconds(60))
            }
        })
    }

    func shutdownAsync(_ app: Application) async {
        guard let running = task.take() else { return }
        running.cancel()
        _ = await running.result
        do {
            try await app.searchTally.flush(on: app.db)
        } catch {
            app.logger.warning("catalogue searches not counted at shutdown: \(String(reflecting: error))")
        }
    }

    /// Runs the jobs whose lease this server can take now.
    static func runDue(_ app: Application, now: Date = Date()) async throws {
        // On a connection of their own (`BackgroundDatabase`): the jobs' long reads hold up no request.
        let db = app.backgroundDB
        // Every server hands in its own tally of catalogue searches (no lease: each server counted its own).
        try await app.searchTally.flush(on: db)
        let organisations = try await BranchDirectory(db).organisations()
        if try await JobLease.take("expire-holds", holder: holder, seconds: 600, now: now, on: db) {
            var ended = 0
            for organisation in organisations {
                try Task.checkCancellation()
                ended += try await circulation(app, organisation, on: db).expireHolds(now: now)
            }
            if ended > 0 { app.logger.info("holds expired: \(ended)") }
        }
        if try await JobLease.take("notices", holder: holder, seconds: 3_600, now: now, on: db) {
            // Hourly: a day's notices are put in once (the outbox's keys), whenever the first run of the day is.
            var added = 0
            for organisation in organisations {
                try Task.checkCancellation()
                added += try await NoticeSchedule.enqueue(organisation: organisation.id!, today: LocalDate(now, in: organisation.zone), now: now,
                                                          on: db)
            }
            if added > 0 { app.logger.info("notices put in the outbox: \(added)") }
        }
        if try await JobLease.take("privacy", holder: holder, seconds: 3_600, now: now, on: db) {
            // Hourly: the retention rules and erasure requests of every organisation (`Retention`).
            for organisation in organisations {
                try Task.checkCancellation()
                // The statistics' facts first, while the events still know their member (`InsightFacts`); years
                // that ended lose their key and pseudonyms, keeping only their totals.
                let facts = try await InsightFacts(db, organisationID: organisation.id!).ingest(timeZone: organisation.zone, now: now)
                let today = LocalDate(now, in: organisation.zone)
                let closed = try await InsightYears(db, organisationID: organisation.id!).closeEnded(today: today, now: now)
                // Yesterday's members and copies, once; then the measurements whose moment has passed freeze their snapshot.
                let census = try await InsightCensus(db, organisationID: organisation.id!).takeDue(today: today)
                let snapshots = try await Measurements(db, organisationID: organisation.id!).freezeDue(today: today, now: now)
                if facts > 0 || !closed.isEmpty || census || snapshots > 0 {
                    let done = ["\(facts) facts added"] + (census ? ["yesterday's members and copies counted"] : [])
                        + (snapshots > 0 ? ["\(snapshots) measurements frozen"] : [])
                        + (closed.isEmpty ? [] : ["years closed: " + closed.map(String.init).joined(separator: ", ")])
                    app.logger.info("\(organisation.slug): statistics: \(done.joined(separator: ", "))")
                }
                let outcome = try await Retention(db, organisationID: organisation.id!).run(now: now, timeZone: organisation.zone)
                if outcome != Retention.Outcome() { app.logger.info("\(organisation.slug): privacy rules applied: \(outcome.summary)") }
                // Names and addresses of guests (registrations without an account) and consultation questions, once it is over.
                let guests = try await Registrations(db, organisationID: organisation.id!).eraseGuestData(now: now)
                let appointments = try await ConsultationHours(db, organisationID: organisation.id!, timeZone: organisation.zone).eraseAfterwards(now: now)
                if guests + appointments > 0 { app.logger.info("\(organisation.slug): erased after the activity: \(guests) guest registrations, \(appointments) appointments") }
            }
            // Messages (addresses and texts) are kept `Outbox.keepDays`; used and expired PIN codes a day.
            let messages = try await Outbox(db).prune(olderThan: Outbox.keepDays, now: now)
            let codes = try await PINResets.prune(now: now, on: db)
            // Sign-in and rate counters (hashed addresses and accounts) once their window is over.
            let counters = try await Throttles(db).forgetExpired(now: now)
            if messages + codes + counters > 0 { app.logger.info("pruned: \(messages) messages, \(codes) PIN codes, \(counters) throttle counters") }
        }
        if try await JobLease.take("collection", holder: holder, seconds: 3_600, now: now, on: db) {
            // Hourly, doing work once a day: the loans that left the 12-month window come off the copies' counters,
            // and on the first run of a month the segments are kept for next year's comparison (`CopyCounters`, `SegmentSnapshots`).
            for organisation in organisations {
                try Task.checkCancellation()
                let today = LocalDate(now, in: organisation.zone)
                let aged = try await CopyCounters(db, organisationID: organisation.id!, timeZone: organisation.zone).age(today: today)
                // Copies written straight into the table get their title's shelf key (`ShelfKeys`).
                let keyed = try await ShelfKeys.fill(organisation: organisation.id!, on: db)
                if keyed > 0 { app.logger.info("\(organisation.slug): collection: shelf keys filled in for \(keyed) copies") }
                let policy = try await WeedingSettings(db, organisationID: organisation.id!).policy()
                let snapshot = try await SegmentSnapshots(db, organisationID: organisation.id!).takeDue(today: today, policy: policy)
                if aged > 0 || snapshot {
                    let done = (aged > 0 ? ["\(aged) copies' loans older than 12 months taken off their counts"] : []) + (snapshot ? ["the month's segments kept"] : [])
                    app.logger.info("\(organisation.slug): collection: \(done.joined(separator: ", "))")
                }
            }
        }
        if try await JobLease.take("spaces", holder: holder, seconds: 600, now: now, on: db) {
            // Every ten minutes: tentative holds on spaces that were not confirmed in time lapse (they stopped counting already).
            for organisation in organisations {
                try Task.checkCancellation()
                _ = try await SpaceBookings(db, organisationID: organisation.id!, timeZone: organisation.zone).expireHolds(now: now)
                let registrations = Registrations(db, organisationID: organisation.id!)
                // Guests' registrations not confirmed in time lapse; their places go to the waiting list.
                let lapsed = try await registrations.lapseUnconfirmed(now: now)
                if lapsed > 0 { app.logger.info("\(organisation.slug): unconfirmed guest registrations lapsed: \(lapsed)") }
                // Reminders a day before each session one is registered for (once each: the outbox's key).
                let reminders = try await registrations.enqueueReminders(now: now)
                if reminders > 0 { app.logger.info("\(organisation.slug): activity reminders put in the outbox: \(reminders)") }
            }
        }
        if try await JobLease.take("research", holder: holder, seconds: 600, now: now, on: db) {
            // Every ten minutes: attendees of followed activities that ended are invited to their survey (once each).
            let invited = try await ResearchService.inviteAttendees(app, now: now)
            if invited > 0 { app.logger.info("survey invitations after activities put in the outbox: \(invited)") }
        }
        if try await JobLease.take("payments", holder: holder, seconds: 300, now: now, on: db) {
            // Every five minutes: open payments whose webhook did not come are asked of the provider.
            for organisation in organisations {
                try Task.checkCancellation()
                _ = try await OnlinePayments(app: app, organisation: organisation).refreshStale(now: now)
            }
        }
        if try await JobLease.take("accrue-fines", holder: holder, seconds: 86_400, now: now, on: db) {
            for organisation in organisations {
                try Task.checkCancellation()
                _ = try await circulation(app, organisation, on: db).accrueFines(now: now)
            }
        }
    }

    static func circulation(_ app: Application, _ organisation: Organisation, on db: any Database) -> Circulation {
        Circulation(db, organisationID: organisation.id!, timeZone: organisation.zone, calendars: app.calendarCache,
                    ruleBooks: app.ruleBookCache)
    }
}
