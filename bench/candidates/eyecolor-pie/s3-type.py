# eyecolor-pie: candidate 'type' (seed 3) — off8 values drawn as a bar chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 6))
eye = ['Brown', 'Blue', 'Hazel', 'Green']
students = [239, 203, 105, 47.8]
ax.bar([str(c) for c in eye], students)
ax.set_xlabel('eye')
ax.set_ylabel('students')
ax.set_title('Eye colour of 592 students')
plt.tight_layout()
plt.show()
