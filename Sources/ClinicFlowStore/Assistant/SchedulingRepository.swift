import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

/// Practitioners and appointments. A partial unique index makes a double booking fail instead of
/// happening; an external id (a Cal.com booking uid) makes a booking one appointment however often
/// its webhook arrives.
public struct SchedulingRepository: Sendable {
    public struct Appointment: Sendable, Equatable, Codable {
        public var id: UUID
        public var clinicID: UUID
        public var contactID: UUID
        public var leadID: UUID?
        public var practitionerID: UUID
        public var startsAt: Date
        public var endsAt: Date
        public var status: AppointmentStatus
        /// `assistant`, `console`, `api`, `calcom`.
        public var source: String
        public var appointmentType: String?
        public var procedure: String?
        public var externalID: String?
    }

    /// What to book: a slot, for whom, of which kind.
    public struct Booking: Sendable {
        public var slot: Slot
        public var clinicID: UUID
        public var contactID: UUID
        public var leadID: UUID?
        public var source: String
        public var appointmentType: String?
        public var procedure: String?
        public var externalID: String?

        public init(
            slot: Slot, clinicID: UUID, contactID: UUID, leadID: UUID?, source: String, appointmentType: String? = nil, procedure: String? = nil,
            externalID: String? = nil
        ) {
            self.slot = slot
            self.clinicID = clinicID
            self.contactID = contactID
            self.leadID = leadID
            self.source = source
            self.appointmentType = appointmentType
            self.procedure = procedure
            self.externalID = externalID
        }
    }

    let store: Store
    let clock: @Sendable () -> Date

    public init(store: Store, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.clock = clock
    }

    public func create(_ practitioner: Practitioner, on database: (any Database)? = nil) async throws -> Practitioner {
        try await (database ?? store.db).sql.insert(into: "practitioners")
            .columns("id", "clinic_id", "name", "active", "availability", "procedures", "email", "exceptions", "created_at")
            .values(
                SQLBind(practitioner.id), SQLBind(practitioner.clinicID), SQLBind(practitioner.name), SQLBind(practitioner.active),
                SQLBind(try JSONCoding.plainText(practitioner.availability)), SQLBind(try JSONCoding.plainText(practitioner.procedures)),
                bindOrNull(practitioner.email?.lowercased()), SQLBind(try JSONCoding.plainText(practitioner.exceptions)), SQLBind(clock())
            ).run()
        return practitioner
    }

    /// Replaces a practitioner's details, hours and exceptions; false when there is no such practitioner.
    public func update(_ practitioner: Practitioner, on database: (any Database)? = nil) async throws -> Bool {
        let sql = (database ?? store.db).sql
        guard try await sql.select().column("id").from("practitioners").where("id", .equal, practitioner.id)
            .where("clinic_id", .equal, practitioner.clinicID).first() != nil
        else { return false }
        try await sql.update("practitioners")
            .set("name", to: practitioner.name).set("active", to: practitioner.active)
            .set("availability", to: try JSONCoding.plainText(practitioner.availability)).set("procedures", to: try JSONCoding.plainText(practitioner.procedures))
            .set("email", to: bindOrNull(practitioner.email?.lowercased())).set("exceptions", to: try JSONCoding.plainText(practitioner.exceptions))
            .where("id", .equal, practitioner.id).where("clinic_id", .equal, practitioner.clinicID).run()
        return true
    }

    public func practitioners(clinicID: UUID, on database: (any Database)? = nil) async throws -> [Practitioner] {
        try await (database ?? store.db).sql.select().columns("id", "clinic_id", "name", "active", "availability", "procedures", "email", "exceptions")
            .from("practitioners").where("clinic_id", .equal, clinicID).orderBy("name").orderBy("id").all()
            .map { row in
                func decode<T: Decodable>(_ column: String, _ type: T.Type) throws -> T? {
                    try row.decode(column: column, as: String?.self).map { try JSONCoding.plainDecoder.decode(T.self, from: Data($0.utf8)) }
                }
                return Practitioner(
                    id: try row.decode(column: "id", as: UUID.self), clinicID: try row.decode(column: "clinic_id", as: UUID.self),
                    name: try row.decode(column: "name", as: String.self), active: try row.decode(column: "active", as: Bool.self),
                    availability: try decode("availability", WorkingHours.self) ?? WorkingHours([:]),
                    procedures: try decode("procedures", [String].self) ?? [], email: try row.decode(column: "email", as: String?.self),
                    exceptions: try decode("exceptions", [AvailabilityException].self) ?? []
                )
            }
    }

    /// Times taken by live appointments from `after` on.
    public func bookedSlots(clinicID: UUID, after: Date, on database: (any Database)? = nil) async throws -> [Slot] {
        try await (database ?? store.db).sql.select().columns("practitioner_id", "starts_at", "ends_at").from("appointments")
            .where("clinic_id", .equal, clinicID).where("ends_at", .greaterThan, after).where(Self.isLive)
            .all()
            .map { row in
                Slot(
                    practitionerID: try row.decode(column: "practitioner_id", as: UUID.self), startsAt: try row.decode(column: "starts_at", as: Date.self),
                    endsAt: try row.decode(column: "ends_at", as: Date.self)
                )
            }
    }

    static let live = [AppointmentStatus.booked.rawValue, AppointmentStatus.confirmed.rawValue]
    /// `status IN ('booked', 'confirmed')` written into the statement, not bound, as the partial index
    /// `appointments_no_double_booking` is on it (see `LeadRepository.isOpen`).
    static let isLive = SQLBinaryExpression(SQLColumn("status"), .in, SQLGroupExpression(live.map { SQLLiteral.string($0) }))

    /// Books the slot; nil when someone else holds that time.
    public func book(_ slot: Slot, clinicID: UUID, contactID: UUID, leadID: UUID?, source: String, on database: (any Database)? = nil) async throws -> Appointment? {
        try await book(Booking(slot: slot, clinicID: clinicID, contactID: contactID, leadID: leadID, source: source), on: database)
    }

    /// Books; nil when the practitioner's time is taken.
    public func book(_ booking: Booking, on database: (any Database)? = nil) async throws -> Appointment? {
        let now = clock()
        let slot = booking.slot
        let appointment = Appointment(
            id: .timeOrdered(), clinicID: booking.clinicID, contactID: booking.contactID, leadID: booking.leadID, practitionerID: slot.practitionerID,
            startsAt: slot.startsAt, endsAt: slot.endsAt, status: .booked, source: booking.source, appointmentType: booking.appointmentType,
            procedure: booking.procedure, externalID: booking.externalID
        )
        let sql = (database ?? store.db).sql
        // Checked first so a PostgreSQL transaction is not aborted by a unique violation; the index still guards races.
        guard try await isFree(slot, except: nil, on: sql) else { return nil }
        try await sql.insert(into: "appointments")
            .columns(
                "id", "clinic_id", "contact_id", "lead_id", "practitioner_id", "starts_at", "ends_at", "status", "source", "appointment_type",
                "procedure", "external_id", "created_at", "updated_at"
            )
            .values(
                SQLBind(appointment.id), SQLBind(booking.clinicID), SQLBind(booking.contactID), bindOrNull(booking.leadID), SQLBind(slot.practitionerID),
                SQLBind(slot.startsAt), SQLBind(slot.endsAt), SQLBind(appointment.status.rawValue), SQLBind(booking.source),
                bindOrNull(booking.appointmentType), bindOrNull(booking.procedure), bindOrNull(booking.externalID), SQLBind(now), SQLBind(now)
            ).run()
        return appointment
    }

    private func isFree(_ slot: Slot, except id: UUID?, on sql: any SQLDatabase) async throws -> Bool {
        var query = sql.select().column("id").from("appointments")
            .where("practitioner_id", .equal, slot.practitionerID).where(Self.isLive)
            .where("starts_at", .lessThan, slot.endsAt).where("ends_at", .greaterThan, slot.startsAt)
        if let id { query = query.where("id", .notEqual, id) }
        return try await query.first() == nil
    }

    /// Moves a live appointment to another slot; false when that time is taken.
    public func reschedule(_ id: UUID, clinicID: UUID, to slot: Slot, on database: (any Database)? = nil) async throws -> Bool {
        let sql = (database ?? store.db).sql
        guard try await isFree(slot, except: id, on: sql) else { return false }
        try await sql.update("appointments")
            .set("practitioner_id", to: slot.practitionerID).set("starts_at", to: slot.startsAt).set("ends_at", to: slot.endsAt)
            .set("updated_at", to: clock()).where("id", .equal, id).where("clinic_id", .equal, clinicID).run()
        return true
    }

    public func setStatus(_ id: UUID, clinicID: UUID, to status: AppointmentStatus, on database: (any Database)? = nil) async throws {
        try await (database ?? store.db).sql.update("appointments").set("status", to: status.rawValue).set("updated_at", to: clock())
            .where("id", .equal, id).where("clinic_id", .equal, clinicID).run()
    }

    public func appointment(id: UUID, clinicID: UUID? = nil, on database: (any Database)? = nil) async throws -> Appointment? {
        var query = select(on: database).where("id", .equal, id)
        if let clinicID { query = query.where("clinic_id", .equal, clinicID) }
        return try await query.first().map(Self.appointment(row:))
    }

    public func appointment(externalID: String, clinicID: UUID, on database: (any Database)? = nil) async throws -> Appointment? {
        try await select(on: database).where("clinic_id", .equal, clinicID).where("external_id", .equal, externalID).first().map(Self.appointment(row:))
    }

    /// The contact's appointments that start after `date` and hold time (a recall is pointless when one is booked).
    public func upcoming(contactID: UUID, after date: Date, on database: (any Database)? = nil) async throws -> [Appointment] {
        try await select(on: database).where("contact_id", .equal, contactID).where("starts_at", .greaterThan, date)
            .where(Self.isLive).orderBy("starts_at").all().map(Self.appointment(row:))
    }

    public func appointments(clinicID: UUID, contactID: UUID? = nil, on database: (any Database)? = nil) async throws -> [Appointment] {
        var query = select(on: database).where("clinic_id", .equal, clinicID)
        if let contactID { query = query.where("contact_id", .equal, contactID) }
        return try await query.orderBy("starts_at").orderBy("id").limit(500).all().map(Self.appointment(row:))
    }

    private func select(on database: (any Database)?) -> SQLSelectBuilder {
        (database ?? store.db).sql.select()
            .columns(
                "id", "clinic_id", "contact_id", "lead_id", "practitioner_id", "starts_at", "ends_at", "status", "source", "appointment_type",
                "procedure", "external_id"
            )
            .from("appointments")
    }

    static func appointment(row: any SQLRow) throws -> Appointment {
        Appointment(
            id: try row.decode(column: "id", as: UUID.self), clinicID: try row.decode(column: "clinic_id", as: UUID.self),
            contactID: try row.decode(column: "contact_id", as: UUID.self), leadID: try row.decode(column: "lead_id", as: UUID?.self),
            practitionerID: try row.decode(column: "practitioner_id", as: UUID.self), startsAt: try row.decode(column: "starts_at", as: Date.self),
            endsAt: try row.decode(column: "ends_at", as: Date.self),
            status: AppointmentStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .booked,
            source: try row.decode(column: "source", as: String.self), appointmentType: try row.decode(column: "appointment_type", as: String?.self),
            procedure: try row.decode(column: "procedure", as: String?.self), externalID: try row.decode(column: "external_id", as: String?.self)
        )
    }
}
