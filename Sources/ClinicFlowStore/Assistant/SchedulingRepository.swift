import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

/// Practitioners and appointments: enough for the assistant to offer real free slots and book one.
/// A partial unique index makes a double booking fail instead of happening.
public struct SchedulingRepository: Sendable {
    public struct Appointment: Sendable, Equatable, Codable {
        public var id: UUID
        public var clinicID: UUID
        public var contactID: UUID
        public var leadID: UUID?
        public var practitionerID: UUID
        public var startsAt: Date
        public var endsAt: Date
        /// `booked`, `confirmed`, `cancelled`, `no_show`, `done`.
        public var status: String
        /// `assistant`, `console`, `api`, `calcom`.
        public var source: String
    }

    let store: Store
    let clock: @Sendable () -> Date

    public init(store: Store, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.clock = clock
    }

    public func create(_ practitioner: Practitioner, on database: (any Database)? = nil) async throws -> Practitioner {
        func json<T: Encodable>(_ value: T) throws -> String { String(decoding: try JSONEncoder().encode(value), as: UTF8.self) }
        try await (database ?? store.db).sql.insert(into: "practitioners")
            .columns("id", "clinic_id", "name", "active", "availability", "procedures", "created_at")
            .values(
                SQLBind(practitioner.id), SQLBind(practitioner.clinicID), SQLBind(practitioner.name), SQLBind(practitioner.active),
                SQLBind(try json(practitioner.availability)), SQLBind(try json(practitioner.procedures)), SQLBind(clock())
            ).run()
        return practitioner
    }

    public func practitioners(clinicID: UUID, on database: (any Database)? = nil) async throws -> [Practitioner] {
        try await (database ?? store.db).sql.select().columns("id", "clinic_id", "name", "active", "availability", "procedures")
            .from("practitioners").where("clinic_id", .equal, clinicID).orderBy("name").orderBy("id").all()
            .map { row in
                Practitioner(
                    id: try row.decode(column: "id", as: UUID.self), clinicID: try row.decode(column: "clinic_id", as: UUID.self),
                    name: try row.decode(column: "name", as: String.self), active: try row.decode(column: "active", as: Bool.self),
                    availability: try JSONDecoder().decode(WorkingHours.self, from: Data(try row.decode(column: "availability", as: String.self).utf8)),
                    procedures: try JSONDecoder().decode([String].self, from: Data(try row.decode(column: "procedures", as: String.self).utf8))
                )
            }
    }

    /// Times taken by live appointments from `after` on.
    public func bookedSlots(clinicID: UUID, after: Date, on database: (any Database)? = nil) async throws -> [Slot] {
        try await (database ?? store.db).sql.select().columns("practitioner_id", "starts_at", "ends_at").from("appointments")
            .where("clinic_id", .equal, clinicID).where("ends_at", .greaterThan, after).where("status", .in, ["booked", "confirmed"])
            .all()
            .map { row in
                Slot(
                    practitionerID: try row.decode(column: "practitioner_id", as: UUID.self), startsAt: try row.decode(column: "starts_at", as: Date.self),
                    endsAt: try row.decode(column: "ends_at", as: Date.self)
                )
            }
    }

    /// Books the slot; nil when someone else holds that time.
    public func book(_ slot: Slot, clinicID: UUID, contactID: UUID, leadID: UUID?, source: String, on database: (any Database)? = nil) async throws -> Appointment? {
        let now = clock()
        let appointment = Appointment(
            id: .timeOrdered(), clinicID: clinicID, contactID: contactID, leadID: leadID, practitionerID: slot.practitionerID, startsAt: slot.startsAt,
            endsAt: slot.endsAt, status: "booked", source: source
        )
        let sql = (database ?? store.db).sql
        // A conflicting live appointment means the slot went in the meantime. Checked first so a
        // PostgreSQL transaction is not aborted by a unique violation; the index still guards races.
        let overlapping = try await sql.select().column("id").from("appointments")
            .where("practitioner_id", .equal, slot.practitionerID).where("status", .in, ["booked", "confirmed"])
            .where("starts_at", .lessThan, slot.endsAt).where("ends_at", .greaterThan, slot.startsAt).first()
        guard overlapping == nil else { return nil }
        try await sql.insert(into: "appointments")
            .columns("id", "clinic_id", "contact_id", "lead_id", "practitioner_id", "starts_at", "ends_at", "status", "source", "created_at", "updated_at")
            .values(
                SQLBind(appointment.id), SQLBind(clinicID), SQLBind(contactID), bindOrNull(leadID), SQLBind(slot.practitionerID), SQLBind(slot.startsAt),
                SQLBind(slot.endsAt), SQLBind(appointment.status), SQLBind(source), SQLBind(now), SQLBind(now)
            ).run()
        return appointment
    }

    public func appointments(clinicID: UUID, contactID: UUID? = nil, on database: (any Database)? = nil) async throws -> [Appointment] {
        var query = (database ?? store.db).sql.select()
            .columns("id", "clinic_id", "contact_id", "lead_id", "practitioner_id", "starts_at", "ends_at", "status", "source")
            .from("appointments").where("clinic_id", .equal, clinicID)
        if let contactID { query = query.where("contact_id", .equal, contactID) }
        return try await query.orderBy("starts_at").orderBy("id").limit(500).all().map { row in
            Appointment(
                id: try row.decode(column: "id", as: UUID.self), clinicID: try row.decode(column: "clinic_id", as: UUID.self),
                contactID: try row.decode(column: "contact_id", as: UUID.self), leadID: try row.decode(column: "lead_id", as: UUID?.self),
                practitionerID: try row.decode(column: "practitioner_id", as: UUID.self), startsAt: try row.decode(column: "starts_at", as: Date.self),
                endsAt: try row.decode(column: "ends_at", as: Date.self), status: try row.decode(column: "status", as: String.self),
                source: try row.decode(column: "source", as: String.self)
            )
        }
    }
}
