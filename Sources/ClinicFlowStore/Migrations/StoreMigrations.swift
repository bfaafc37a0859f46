import FluentKit

/// Every migration, in order. Append only: a released migration is never edited.
public enum StoreMigrations {
    public static let all: [any Migration] = [
        M001CreateEvents(),
        M002CreateJobs(),
        M003CreateClinics(),
        M004CreateChannels(),
        M005CreateDeliveries(),
        M006CreateAccess(),
        M007CreateContacts(),
        M008CreateLeads(),
        M009CreateConversations(),
        M010CreateScoringAndAssignment(),
        M011CreateAssistantAndOutbox(),
        M012CreateSchedulingAndSync(),
        M013EnqueueNormalisationOnSQLite(),
        M014IndexMessagesByContact(),
        M015NotifyChangesOnPostgres(),
        M016IndexReadsByContact(),
    ]
}
