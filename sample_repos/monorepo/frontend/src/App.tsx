import { useEffect, useState } from "react";
import { addBook, Book, listBooks } from "./api";

export function App() {
  const [books, setBooks] = useState<Book[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [title, setTitle] = useState("");
  const [author, setAuthor] = useState("");

  useEffect(() => {
    listBooks().then(setBooks).catch((e: Error) => setError(e.message));
  }, []);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    try {
      const book = await addBook(title, author);
      setBooks([...books, book]);
      setTitle("");
      setAuthor("");
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <main>
      <h1>My shelf</h1>
      {error && <p role="alert">{error}</p>}
      <ul>
        {books.map((b) => (
          <li key={b.id}>
            {b.title} — {b.author}
          </li>
        ))}
      </ul>
      <form onSubmit={submit}>
        <input value={title} onChange={(e) => setTitle(e.target.value)} placeholder="Title" />
        <input value={author} onChange={(e) => setAuthor(e.target.value)} placeholder="Author" />
        <button type="submit">Add</button>
      </form>
    </main>
  );
}
