import FluentKit
import Foundation
import SQLKit

/// Background work shared by several app servers: a job runs on the server
/// that takes its lease, and the others skip it until the lease ends. The
/// lease is one row per job, taken with a conditional upsert, so exactly
/// one server gets it however many ask at once.
public enum JobLease {
    static let schema = "job_leases"

    /// Takes the lease of `job` for `seconds` when it is free (never taken,
    /// or ended); true when this caller has it.
    public static func take(_ job: String, holder: String, seconds: Double, now: Date = Date(), on db: any Database) async throws -> Bool {
        let sql = db.sql
        let until = now.addingTimeInterval(seconds)
        return try await sql.raw("""
            INSERT INTO job_leases (job, holder, until) VALUES (\(bind: job), \(bind: holder), \(bind: until))
            ON CONFLICT (job) DO UPDATE SET holder = excluded.holder, until = excluded.until WHERE job_leases.until <= \(bind: now)
            RETURNING job
            """).first() != nil
    }
}

struct CreateJobLeases: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(JobLease.schema)
            .field("job", .string, .identifier(auto: false))
            .field("holder", .string, .required)
            .field("until", .datetime, .required)
            .create()
    }

    func revert(on database: Database) async throws {
        try await database.schema(JobLease.schema).delete()
    }
}
