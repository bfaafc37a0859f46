import Foundation

/// What the template assistant says, in the four languages it speaks. Short, warm, one question per
/// message: people answer WhatsApp messages on the move.
public struct AssistantPhrases: Sendable {
    var greeting: @Sendable (_ clinic: String) -> String
    var askProcedure: String
    var askTiming: String
    var askBudget: String
    var askDays: String
    var price: @Sendable (_ name: String, _ total: String, _ installments: Int, _ each: String) -> String
    var noPrice: @Sendable (_ procedure: String?) -> String
    var offerBooking: String
    var offerSlots: String
    var pickSlot: String
    var noSlots: String
    var booked: @Sendable (_ when: String, _ practitioner: String) -> String
    var handoff: String
    var weekdays: [String]  // sun…sat, Calendar order

    public static func of(_ language: String?) -> AssistantPhrases {
        switch language {
        case "pt": portuguese
        case "es": spanish
        case "ro": romanian
        default: english
        }
    }

    public func slotLine(_ index: Int, _ slot: Slot, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.weekday, .day, .month, .hour, .minute], from: slot.startsAt)
        let day = weekdays[(parts.weekday ?? 1) - 1]
        return String(format: "%d) %@ %02d/%02d %02d:%02d", index + 1, day, parts.day ?? 0, parts.month ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }

    func weekdayName(_ index: Int) -> String { weekdays[index] }

    func when(_ slot: Slot, timeZone: TimeZone) -> String {
        String(slotLine(0, slot, timeZone: timeZone).dropFirst(3))
    }

    static let portuguese = AssistantPhrases(
        greeting: { "Olá! Aqui é a assistente da \($0) 😊 Vou te ajudar a encontrar o melhor tratamento e horário." },
        askProcedure: "Qual tratamento você procura? (por exemplo: implante, clareamento, aparelho, limpeza)",
        askTiming: "Para quando você gostaria de fazer o tratamento?",
        askBudget: "Você tem um valor em mente ou prefere ver as opções de parcelamento?",
        askDays: "Quais dias e períodos são melhores para você? (por exemplo: terça de manhã)",
        price: { name, total, n, each in n > 1 ? "\(name): \(total), ou em até \(n)x de \(each) sem juros." : "\(name): \(total)." },
        noPrice: { _ in "O valor depende da avaliação com o dentista, que define o plano certo para você." },
        offerBooking: "Quer que eu procure um horário para a sua avaliação?",
        offerSlots: "Tenho estes horários livres:",
        pickSlot: "Responda com o número do horário que prefere.",
        noSlots: "Não encontrei horários livres nesses dias. Uma pessoa da equipe vai te ajudar a encontrar um horário.",
        booked: { when, who in "Prontinho! Sua avaliação está marcada para \(when) com \(who). Você receberá um lembrete antes." },
        handoff: "Vou passar sua conversa para uma pessoa da nossa equipe, que continua daqui. 🙂",
        weekdays: ["dom", "seg", "ter", "qua", "qui", "sex", "sáb"]
    )

    static let spanish = AssistantPhrases(
        greeting: { "¡Hola! Soy la asistente de \($0) 😊 Le ayudo a encontrar el mejor tratamiento y horario." },
        askProcedure: "¿Qué tratamiento busca? (por ejemplo: implante, blanqueamiento, ortodoncia, limpieza)",
        askTiming: "¿Para cuándo le gustaría hacer el tratamiento?",
        askBudget: "¿Tiene un presupuesto en mente o prefiere ver las opciones de pago a plazos?",
        askDays: "¿Qué días y horarios le vienen mejor? (por ejemplo: martes por la mañana)",
        price: { name, total, n, each in n > 1 ? "\(name): \(total), o hasta \(n) cuotas de \(each) sin intereses." : "\(name): \(total)." },
        noPrice: { _ in "El precio depende de la valoración con el especialista, que define el plan adecuado para usted." },
        offerBooking: "¿Quiere que le busque una cita para la valoración?",
        offerSlots: "Tengo estos horarios libres:",
        pickSlot: "Responda con el número del horario que prefiera.",
        noSlots: "No encontré horarios libres esos días. Una persona del equipo le ayudará a encontrar una cita.",
        booked: { when, who in "¡Listo! Su cita de valoración es el \(when) con \(who). Le enviaremos un recordatorio antes." },
        handoff: "Paso su conversación a una persona de nuestro equipo, que continúa desde aquí. 🙂",
        weekdays: ["dom", "lun", "mar", "mié", "jue", "vie", "sáb"]
    )

    static let romanian = AssistantPhrases(
        greeting: { "Bună ziua! Sunt asistenta \($0) 😊 Vă ajut să găsiți tratamentul și ora potrivite." },
        askProcedure: "Ce tratament vă interesează? (de exemplu: implant, albire, aparat dentar, igienizare)",
        askTiming: "Când ați dori să faceți tratamentul?",
        askBudget: "Aveți un buget în minte sau preferați să vedeți opțiunile de plată în rate?",
        askDays: "Ce zile și ore vă convin? (de exemplu: marți dimineața)",
        price: { name, total, n, each in n > 1 ? "\(name): \(total), sau până la \(n) rate de \(each) fără dobândă." : "\(name): \(total)." },
        noPrice: { _ in "Prețul depinde de consultația cu medicul, care stabilește planul potrivit pentru dumneavoastră." },
        offerBooking: "Doriți să vă caut o oră pentru consultație?",
        offerSlots: "Am aceste ore libere:",
        pickSlot: "Răspundeți cu numărul orei preferate.",
        noSlots: "Nu am găsit ore libere în acele zile. O persoană din echipă vă va ajuta să găsiți o programare.",
        booked: { when, who in "Gata! Consultația este programată \(when) cu \(who). Veți primi un memento înainte." },
        handoff: "Vă transfer conversația către o persoană din echipa noastră, care continuă de aici. 🙂",
        weekdays: ["dum", "lun", "mar", "mie", "joi", "vin", "sâm"]
    )

    static let english = AssistantPhrases(
        greeting: { "Hi! I'm the assistant at \($0) 😊 I'll help you find the right treatment and time." },
        askProcedure: "Which treatment are you looking for? (for example: implant, whitening, braces, cleaning)",
        askTiming: "When would you like to have the treatment?",
        askBudget: "Do you have a budget in mind, or would you like to see installment options?",
        askDays: "Which days and times suit you best? (for example: Tuesday morning)",
        price: { name, total, n, each in n > 1 ? "\(name): \(total), or up to \(n) interest-free installments of \(each)." : "\(name): \(total)." },
        noPrice: { _ in "The price depends on an assessment with the dentist, who sets the right plan for you." },
        offerBooking: "Shall I look for a time for your assessment?",
        offerSlots: "I have these free times:",
        pickSlot: "Reply with the number of the time you prefer.",
        noSlots: "I couldn't find free times on those days. Someone from our team will help you find one.",
        booked: { when, who in "All set! Your assessment is booked for \(when) with \(who). You'll get a reminder beforehand." },
        handoff: "I'm passing your conversation to a person on our team, who will take it from here. 🙂",
        weekdays: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    )
}
