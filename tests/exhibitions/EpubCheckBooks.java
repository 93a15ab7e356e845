// EPUBCheck on several books in one JVM: the tests' launcher (tests/exhibitions/test_ebooks.py).
// Each book is checked exactly as `java -jar epubcheck.jar BOOK` checks it (that command's main is
// `System.exit(new EpubChecker().run(args))`), but the JVM starts, loads the schemas and warms up
// once instead of once a book: a quarter of the CPU time. Run as a source file:
//   java -cp /usr/share/java/epubcheck.jar EpubCheckBooks.java BOOK...
// After each book's report it prints a line "== exit CODE PATH".

import com.adobe.epubcheck.tool.EpubChecker;

public class EpubCheckBooks {
    public static void main(String[] paths) {
        System.setErr(System.out); // one stream, so each report stays in its book's part
        for (String path : paths) {
            int code = new EpubChecker().run(new String[] {path});
            System.out.println("== exit " + code + " " + path);
        }
        System.out.flush();
    }
}
