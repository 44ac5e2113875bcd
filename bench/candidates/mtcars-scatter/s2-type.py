# mtcars-scatter: candidate 'type' (seed 2) — off8 values drawn as a line chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
wt = [
    3.05, 3.31, 1.87, 2.99, 3.09, 3.71, 3.83, 3.42, 3.51, 3.21,
    3, 3.68, 3.54, 3.51, 4.89, 5.74, 5.64, 1.75, 1.46, 1.44,
    2.67, 3.93, 3.62, 4.14, 3.55, 1.58, 1.77, 1.74, 2.94, 2.98,
    3.84, 3.16,
]
mpg = [
    18.3, 23.5, 24.9, 22.6, 20.8, 20.1, 15.8, 27.2, 25, 17.9,
    20.1, 15.5, 14.8, 14, 9.37, 8.84, 16.8, 34.4, 29, 35.8,
    20.2, 17.2, 13.4, 12, 21.4, 28.3, 24.8, 28.7, 13.4, 18.6,
    13.3, 23.3,
]
order = sorted(range(len(wt)), key=lambda i: wt[i])
ax.plot([wt[i] for i in order], [mpg[i] for i in order], marker='o')
ax.set_xlabel('wt')
ax.set_ylabel('mpg')
ax.set_title('Fuel economy vs weight')
plt.tight_layout()
plt.show()
