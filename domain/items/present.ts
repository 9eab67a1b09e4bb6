// How chat threads, messages, signature and approval requests look in API answers.

export function presentThread(t: { id: string; accountId: string; subject: string; status: string; createdAt: Date }) {
  return {
    id: t.id,
    accountId: t.accountId,
    subject: t.subject,
    status: t.status,
    createdAt: t.createdAt.toISOString(),
  };
}

export function presentMessage(m: {
  id: string;
  threadId: string;
  author: string;
  body: string;
  createdAt: Date;
  contactId: string | null;
  firmUserId: string | null;
}) {
  return {
    id: m.id,
    threadId: m.threadId,
    author: m.author,
    body: m.body,
    contactId: m.contactId,
    firmUserId: m.firmUserId,
    createdAt: m.createdAt.toISOString(),
  };
}

export function presentSignature(r: {
  id: string;
  accountId: string;
  documentId: string;
  status: string;
  signers: { contactId: string; position: number; signedAt: Date | null }[];
}) {
  return {
    id: r.id,
    accountId: r.accountId,
    documentId: r.documentId,
    status: r.status,
    signers: r.signers
      .sort((a, b) => a.position - b.position)
      .map((s) => ({ contactId: s.contactId, signedAt: s.signedAt?.toISOString() ?? null })),
  };
}

export function presentApproval(r: {
  id: string;
  accountId: string;
  documentId: string;
  status: string;
  message: string | null;
  approvedAt: Date | null;
}) {
  return {
    id: r.id,
    accountId: r.accountId,
    documentId: r.documentId,
    status: r.status,
    message: r.message,
    approvedAt: r.approvedAt?.toISOString() ?? null,
  };
}
