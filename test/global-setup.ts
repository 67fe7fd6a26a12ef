// Replaced by the database test harness (see test/helpers/db.ts).
export default async function setup(): Promise<void> {}
