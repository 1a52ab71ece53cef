# ruff: noqa: E501 - the texts as the migration stores them, one line each
"""The default cadences' names, descriptions, purposes and talking points, as the data
migration (touchpoints 0002) stores them in English: listed here for the catalogue, so that the
pages show them in the reader's language (followup_crm.texts.stored_text). Keep in step with
the migration; moving the texts themselves into code is another change."""

from django.utils.translation import gettext_noop

DEFAULT_CADENCE_TEXTS = (
    gettext_noop("After-sale follow-up"),
    gettext_noop(
        "From the day of delivery to the first anniversary and every year after: the calls and letters that keep a buyer looked after."
    ),
    gettext_noop("Delivery day: how did the first use go?"),
    gettext_noop(
        "- Thank them for choosing us; check that the delivery went as promised: on time, complete, nothing damaged.\n- Ask how the first use went and whether everything is clear: assembly, adjustment, care.\n- If something is wrong, agree what we will do and by when. Do not end the call without a date.\n- Agree when you will call next (in a few days)."
    ),
    gettext_noop("Day 3: impressions of the buyer and their family; help if needed"),
    gettext_noop(
        "- Ask how the buyer and their family like the purchase after a few days of living with it.\n- Listen for small disappointments (a squeak, a shade, a missing part): they are easy to fix now and spoil everything if left.\n- Offer help and, if needed, arrange a visit or a replacement.\n- Remind them that you are their personal contact for anything about the purchase, and agree the next call."
    ),
    gettext_noop("Two weeks: open questions; ask for a recommendation"),
    gettext_noop(
        "- Ask whether any questions have come up since the last call; answer them or arrange help.\n- If they are happy, ask whether they would recommend us to friends or family, and mention the referral reward.\n- If they say yes, tick “recommends us” in the client's card.\n- Agree the next contact."
    ),
    gettext_noop("Three months: a card to say we remember them"),
    gettext_noop(
        "Print the card from the postal batch, sign it by hand and post it, then mark it as sent."
    ),
    gettext_noop("Six months: how is it going?"),
    gettext_noop(
        "- Ask how the purchase is holding up after half a year of everyday use.\n- Offer care advice or a service visit if something needs attention.\n- Mention what is new and fits what they bought, without pushing.\n- Agree the next contact."
    ),
    gettext_noop("Every year: a letter of thanks and an invitation to come back"),
    gettext_noop(
        "Print the letter from the postal batch, sign it by hand and post it, then mark it as sent."
    ),
    gettext_noop("Status updates before delivery"),
    gettext_noop(
        "Between the order and the promised date: status calls, more often as the date comes closer, a “ready tomorrow” notice the day before and a reminder on the day."
    ),
    gettext_noop("Status call: what stage the order is at; confirm the date"),
    gettext_noop(
        "- Tell the buyer where the order is now: in production, assembled, on its way.\n- Confirm the promised date. If it is at risk, say so now and give a new date: the buyer must never find out on the day.\n- Ask whether anything has changed on their side: address, time, who will receive it.\n- Agree when you will call next."
    ),
    gettext_noop("The day before: “your order is ready tomorrow”"),
    gettext_noop("On the day: a reminder a few hours before pickup"),
    gettext_noop("Order notifications"),
    gettext_noop(
        "Messages the system sends as the order moves: placed, ready, at the pickup point, delivered."
    ),
    gettext_noop("Thanks for the order"),
    gettext_noop("The order is ready"),
    gettext_noop("The order is at the pickup point"),
    gettext_noop("The director's thank-you letter with a request for feedback"),
    gettext_noop("Handoff letters"),
    gettext_noop(
        "When a new buyer is handed to a personal account manager: a letter from the sales manager, then one from the account manager."
    ),
    gettext_noop("The sales manager thanks the buyer and introduces the account manager"),
    gettext_noop("The account manager introduces themselves"),
    gettext_noop("Holiday greetings"),
    gettext_noop("Greetings to every buyer on the main public holidays."),
    gettext_noop("New Year greeting"),
    gettext_noop("Spring and Labour Day greeting"),
    gettext_noop("Director's year-end letter"),
    gettext_noop(
        "At the end of the year the director thanks everyone who bought from us that year and asks for their opinion."
    ),
    gettext_noop("The director's year-end letter to this year's buyers"),
    gettext_noop("Win-back after a refusal"),
    gettext_noop("A call some months after a client refused, to see whether we can try again."),
    gettext_noop("Win-back: does the reason for the refusal still hold?"),
    gettext_noop(
        "- Read the refusal's reason and details before you call.\n- Ask whether that reason still holds today, and listen without arguing.\n- Tell them what has changed since (service, production, the range, prices) that answers their reason; only what is true.\n- If they are open to it, invite them to visit or suggest a next step; if not, thank them and ask whether we may get in touch again later."
    ),
    gettext_noop("Thanking advocates"),
    gettext_noop("A call to thank a client who has started recommending us."),
    gettext_noop("Thank them for recommending us; tell them about the referral reward"),
    gettext_noop(
        "- Thank them sincerely for recommending us: it is the best compliment a buyer can pay.\n- Explain the referral reward and check that any reward already earned has reached them.\n- Ask whether anyone else they know might need our help; never press.\n- Agree the next contact."
    ),
)
