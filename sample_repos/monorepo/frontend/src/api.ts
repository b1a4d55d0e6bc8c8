export interface Book {
  id: number;
  title: string;
  author: string;
  cover_url: string | null;
}

export async function listBooks(): Promise<Book[]> {
  const res = await fetch("/api/v1/books");
  if (!res.ok) {
    throw new Error(`listing books failed: ${res.status}`);
  }
  return (await res.json()) as Book[];
}

export async function addBook(title: string, author: string): Promise<Book> {
  const res = await fetch("/api/v1/books", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ title, author }),
  });
  if (!res.ok) {
    throw new Error(`adding a book failed: ${res.status}`);
  }
  return (await res.json()) as Book;
}
