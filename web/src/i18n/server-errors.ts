/**
 * The server explains every error in English, for every API client: a stable code, a message and
 * a hint. In another language the console says what a known code means in that language, and
 * keeps the server's own words beside it as the detail (they name the item, the field, the card).
 * English needs nothing here: the server's words are the text.
 *
 * `SYSTEM_*` serve the codes an external system's adapter makes from its name (`OCS_UNREACHABLE`,
 * `RADIUS_ERROR`, `HLR_REFUSED`...), with the system's name from `systems`.
 */
export const serverErrorsFr = {
  // The API's own codes (src/shared/errors.ts).
  VALIDATION_FAILED: { message: "Une valeur saisie n'est pas valide.", hint: 'Corrigez le champ indiqué, puis réessayez.' },
  BAD_REQUEST: { message: 'La demande est mal formée.', hint: 'Rechargez la page, puis réessayez.' },
  URI_TOO_LONG: { message: "Une partie de l'adresse est trop longue.", hint: "Vérifiez l'identifiant dans l'adresse." },
  CROSS_SITE_REQUEST: { message: 'Cette modification venait d’un autre site : elle est refusée.', hint: 'Faites vos modifications depuis la console Switchboard elle-même.' },
  INVALID_CODE: { message: 'Le code est faux, ou a déjà servi.', hint: "Saisissez les six chiffres qu'affiche votre application d'authentification, ou un code de secours." },
  MFA_ENROLMENT_REQUIRED: { message: 'Votre rôle impose la connexion en deux étapes.', hint: "Configurez-la d'abord : suivez les étapes affichées." },
  PASSWORD_SIGN_IN_OFF: { message: 'La connexion par mot de passe est désactivée ici.', hint: "Connectez-vous avec l'authentification unique de votre entreprise." },
  UNAUTHENTICATED: { message: "Vous n'êtes pas connecté, ou votre session a expiré.", hint: 'Reconnectez-vous.' },
  INVALID_CREDENTIALS: { message: 'Adresse e-mail ou mot de passe incorrect.', hint: 'Vérifiez-les, puis réessayez.' },
  FORBIDDEN: { message: 'Votre rôle ne permet pas cette action.', hint: 'Demandez-la à un agent ou à un administrateur.' },
  NOT_FOUND: { message: 'Élément introuvable.', hint: "Il n'existe pas ou plus : vérifiez l'identifiant, ou rechargez la page." },
  CONFLICT: { message: "Cette action entre en conflit avec l'état actuel.", hint: 'Rechargez la page, puis réessayez.' },
  ALREADY_EXISTS: { message: 'Cet élément existe déjà.', hint: "Utilisez l'existant, ou changez la référence." },
  INVENTORY_UNAVAILABLE: { message: "Article d'inventaire indisponible : une autre attribution le détient, ou le stock est épuisé.", hint: "Choisissez-en un autre dans la liste, ou ajoutez du stock." },
  RESERVATION_NOT_HELD: { message: "La réservation de cet article n'est plus valable.", hint: "Choisissez de nouveau l'article pour le réserver." },
  INVALID_TRANSITION: { message: "Cette action n'est pas possible dans l'état actuel.", hint: "Rechargez la page pour voir l'état actuel." },
  IDEMPOTENCY_KEY_REUSED: { message: 'Cette demande a déjà été envoyée, avec d’autres valeurs.', hint: "Recommencez l'attribution depuis le début." },
  PAYLOAD_TOO_LARGE: { message: 'Le fichier est trop volumineux.', hint: 'Découpez-le en plusieurs fichiers.' },
  UNSUPPORTED_MEDIA_TYPE: { message: "Ce type de fichier n'est pas accepté.", hint: 'Envoyez un fichier CSV.' },
  PRECONDITION_FAILED: { message: 'Les vérifications préalables ne sont pas passées.', hint: 'Corrigez les points signalés, puis réessayez.' },
  TOO_MANY_REQUESTS: { message: 'Trop de tentatives en peu de temps.', hint: 'Patientez une minute, puis réessayez.' },
  UPSTREAM_UNAVAILABLE: { message: 'Un système externe ne répond pas.', hint: 'Réessayez dans un instant.' },
  // What a provisioning task can fail with (src/integrations, src/provisioning).
  TASK_FAILED: { message: 'La tâche a échoué.', hint: 'Consultez les journaux de la tâche, corrigez la cause, puis relancez.' },
  TASK_TIMED_OUT: { message: 'Pas de réponse dans le délai imparti.', hint: 'Le système concerné est lent ou hors service : vérifiez-le, puis relancez.' },
  TASK_SUPERSEDED: { message: "La tâche s'est terminée après avoir été abandonnée (délai dépassé).", hint: 'Relancez.' },
  PROVISIONING_TIMED_OUT: { message: "Le provisionnement ne s'est pas terminé dans le délai imparti.", hint: "Vérifiez que l'OCS et le réseau sont en ligne, consultez les journaux, puis relancez." },
  ENGINE_ERROR: { message: 'Le moteur de provisionnement a arrêté ce traitement.', hint: 'Relancez ; si cela se reproduit, consultez le journal du serveur pour cet identifiant de provisionnement.' },
  BAD_ARGUMENTS: { message: 'Les paramètres de la tâche sont incorrects.', hint: 'Un administrateur doit corriger le playbook ou le produit ; relancez ensuite.' },
  CUSTOMER_NOT_ACTIVE: { message: "Le compte client n'est pas actif.", hint: 'Réactivez le compte client, puis relancez.' },
  INVENTORY_MISSING: { message: "Un article d'inventaire attendu manque.", hint: "Recommencez l'attribution en choisissant de nouveau l'article." },
  NO_PAYMENT_METHOD: { message: "Le client n'a pas de moyen de paiement par défaut.", hint: 'Ajoutez une carte sur la fiche client et définissez-la par défaut, puis relancez.' },
  PAYMENT_DECLINED: { message: 'Le paiement a été refusé.', hint: 'Demandez une autre carte au client (définie par défaut sur sa fiche), puis relancez.' },
  PAYMENT_REFUSED: { message: 'La passerelle de paiement a refusé la demande.', hint: 'Vérifiez le moyen de paiement du client, puis relancez.' },
  PAYMENT_METHOD_NOT_IN_GATEWAY: { message: "Ce moyen de paiement n'est pas enregistré auprès de la passerelle de paiement.", hint: 'Enregistrez de nouveau la carte du client, puis relancez.' },
  OCS_ACCOUNT_NOT_FOUND: { message: 'Le compte OCS du service est introuvable.', hint: "Vérifiez le compte dans l'OCS, puis relancez." },
  OCS_NOT_FOUND: { message: "L'OCS ne connaît pas ce compte.", hint: "Vérifiez le compte dans l'OCS, puis relancez." },
  NETWORK_NOT_CONFIGURED: { message: "L'adresse de cet élément du réseau n'est pas configurée.", hint: 'Un administrateur doit la configurer, puis relancer.' },
  ROW_NOT_STARTED: { message: "Switchboard n'a pas pu démarrer cette ligne.", hint: 'Consultez le journal du serveur, puis relancez les lignes en échec.' },
  MAIL_IN_PROGRESS: { message: "L'e-mail est en cours d'envoi par un autre traitement.", hint: 'Patientez un instant, puis relancez.' },
  // Why a run of "Retry selected" or "Cancel selected" was left as it is (the triage, issue 12).
  ALREADY_QUEUED: { message: 'Ce traitement est déjà en file d’attente ou relancé : rien à relancer.', hint: 'Attendez qu’il se termine ; s’il échoue, relancez-le alors.' },
  ALREADY_RETRIED: { message: 'Cette tentative a déjà été relancée.', hint: 'Rechargez la liste pour voir la tentative en cours.' },
  ALREADY_CANCELLED: { message: 'Ce traitement est déjà annulé.', hint: 'Rien à faire.' },
  // Codes an adapter makes from its system's name (a system not named here is shown by its own).
  SYSTEM_UNREACHABLE: { message: 'Impossible de joindre {{system}}.', hint: 'Vérifiez que {{system}} est en ligne et joignable, puis relancez.' },
  SYSTEM_ERROR: { message: 'Erreur renvoyée par {{system}}.', hint: 'Consultez ses journaux, puis relancez.' },
  SYSTEM_REFUSED: { message: 'Demande refusée par {{system}}.', hint: 'Lisez la réponse dans les journaux de la tâche, corrigez la cause, puis relancez.' },
  systems: {
    OCS: "l'OCS",
    HLR: 'le HLR/HSS',
    RADIUS: 'le serveur RADIUS',
    MAIL: 'le serveur de messagerie',
    PAYMENT_GATEWAY: 'la passerelle de paiement',
    HTTP: 'le système externe',
  },
} as const;
