// esbuild's text loader: a CSS file imported as its text (for a shadow root's <style>).
declare module '*.css' {
  const text: string;
  export default text;
}
